/* Tests of the generated archetype builders: for every one of Rerun 0.33's
 * 49 archetypes, the descriptors and Arrow datatypes of every field (against
 * tables below written from Rerun's definitions, independently of types/ and
 * the generator), construction with sample data, the values that come out,
 * borrowing, and wrong arguments rejected with a message. */
#include "sdk/sdk_internal.h"
#include "sdk/generated/types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/schema.h"
#include "arrow/validate.h"
#include "testutil.h"

/* ---- expectations, from Rerun 0.33's definitions ---- */

/* Every archetype field: (archetype, field, component, batch?). */
typedef struct exp_field {
    const char *archetype, *field, *component;
    bool many;
} exp_field_t;

static const exp_field_t EXP_FIELDS[] = {
    {"AnnotationContext", "context", "AnnotationContext", false},
    {"Arrows2D", "vectors", "Vector2D", true},
    {"Arrows2D", "origins", "Position2D", true},
    {"Arrows2D", "radii", "Radius", true},
    {"Arrows2D", "colors", "Color", true},
    {"Arrows2D", "labels", "Text", true},
    {"Arrows2D", "show_labels", "ShowLabels", false},
    {"Arrows2D", "draw_order", "DrawOrder", false},
    {"Arrows2D", "class_ids", "ClassId", true},
    {"Arrows3D", "vectors", "Vector3D", true},
    {"Arrows3D", "origins", "Position3D", true},
    {"Arrows3D", "radii", "Radius", true},
    {"Arrows3D", "colors", "Color", true},
    {"Arrows3D", "labels", "Text", true},
    {"Arrows3D", "show_labels", "ShowLabels", false},
    {"Arrows3D", "class_ids", "ClassId", true},
    {"Asset3D", "blob", "Blob", false},
    {"Asset3D", "media_type", "MediaType", false},
    {"Asset3D", "albedo_factor", "AlbedoFactor", false},
    {"AssetVideo", "blob", "Blob", false},
    {"AssetVideo", "media_type", "MediaType", false},
    {"BarChart", "values", "TensorData", false},
    {"BarChart", "color", "Color", false},
    {"BarChart", "abscissa", "TensorData", false},
    {"BarChart", "widths", "Length", true},
    {"Boxes2D", "half_sizes", "HalfSize2D", true},
    {"Boxes2D", "centers", "Position2D", true},
    {"Boxes2D", "colors", "Color", true},
    {"Boxes2D", "radii", "Radius", true},
    {"Boxes2D", "labels", "Text", true},
    {"Boxes2D", "show_labels", "ShowLabels", false},
    {"Boxes2D", "draw_order", "DrawOrder", false},
    {"Boxes2D", "class_ids", "ClassId", true},
    {"Boxes3D", "half_sizes", "HalfSize3D", true},
    {"Boxes3D", "centers", "Translation3D", true},
    {"Boxes3D", "rotation_axis_angles", "RotationAxisAngle", true},
    {"Boxes3D", "quaternions", "RotationQuat", true},
    {"Boxes3D", "colors", "Color", true},
    {"Boxes3D", "radii", "Radius", true},
    {"Boxes3D", "fill_mode", "FillMode", false},
    {"Boxes3D", "labels", "Text", true},
    {"Boxes3D", "show_labels", "ShowLabels", false},
    {"Boxes3D", "class_ids", "ClassId", true},
    {"Capsules3D", "lengths", "Length", true},
    {"Capsules3D", "radii", "Radius", true},
    {"Capsules3D", "translations", "Translation3D", true},
    {"Capsules3D", "rotation_axis_angles", "RotationAxisAngle", true},
    {"Capsules3D", "quaternions", "RotationQuat", true},
    {"Capsules3D", "colors", "Color", true},
    {"Capsules3D", "line_radii", "Radius", true},
    {"Capsules3D", "fill_mode", "FillMode", false},
    {"Capsules3D", "labels", "Text", true},
    {"Capsules3D", "show_labels", "ShowLabels", false},
    {"Capsules3D", "class_ids", "ClassId", true},
    {"Clear", "is_recursive", "ClearIsRecursive", false},
    {"CoordinateFrame", "frame", "TransformFrameId", false},
    {"Cylinders3D", "lengths", "Length", true},
    {"Cylinders3D", "radii", "Radius", true},
    {"Cylinders3D", "centers", "Translation3D", true},
    {"Cylinders3D", "rotation_axis_angles", "RotationAxisAngle", true},
    {"Cylinders3D", "quaternions", "RotationQuat", true},
    {"Cylinders3D", "colors", "Color", true},
    {"Cylinders3D", "line_radii", "Radius", true},
    {"Cylinders3D", "fill_mode", "FillMode", false},
    {"Cylinders3D", "labels", "Text", true},
    {"Cylinders3D", "show_labels", "ShowLabels", false},
    {"Cylinders3D", "class_ids", "ClassId", true},
    {"DepthImage", "buffer", "ImageBuffer", false},
    {"DepthImage", "format", "ImageFormat", false},
    {"DepthImage", "meter", "DepthMeter", false},
    {"DepthImage", "colormap", "Colormap", false},
    {"DepthImage", "depth_range", "ValueRange", false},
    {"DepthImage", "point_fill_ratio", "FillRatio", false},
    {"DepthImage", "draw_order", "DrawOrder", false},
    {"DepthImage", "magnification_filter", "MagnificationFilter", false},
    {"Ellipses2D", "half_sizes", "HalfSize2D", true},
    {"Ellipses2D", "centers", "Position2D", true},
    {"Ellipses2D", "colors", "Color", true},
    {"Ellipses2D", "line_radii", "Radius", true},
    {"Ellipses2D", "labels", "Text", true},
    {"Ellipses2D", "show_labels", "ShowLabels", false},
    {"Ellipses2D", "draw_order", "DrawOrder", false},
    {"Ellipses2D", "class_ids", "ClassId", true},
    {"Ellipsoids3D", "half_sizes", "HalfSize3D", true},
    {"Ellipsoids3D", "centers", "Translation3D", true},
    {"Ellipsoids3D", "rotation_axis_angles", "RotationAxisAngle", true},
    {"Ellipsoids3D", "quaternions", "RotationQuat", true},
    {"Ellipsoids3D", "colors", "Color", true},
    {"Ellipsoids3D", "line_radii", "Radius", true},
    {"Ellipsoids3D", "fill_mode", "FillMode", false},
    {"Ellipsoids3D", "labels", "Text", true},
    {"Ellipsoids3D", "show_labels", "ShowLabels", false},
    {"Ellipsoids3D", "class_ids", "ClassId", true},
    {"EncodedDepthImage", "blob", "Blob", false},
    {"EncodedDepthImage", "media_type", "MediaType", false},
    {"EncodedDepthImage", "meter", "DepthMeter", false},
    {"EncodedDepthImage", "colormap", "Colormap", false},
    {"EncodedDepthImage", "depth_range", "ValueRange", false},
    {"EncodedDepthImage", "point_fill_ratio", "FillRatio", false},
    {"EncodedDepthImage", "draw_order", "DrawOrder", false},
    {"EncodedDepthImage", "magnification_filter", "MagnificationFilter", false},
    {"EncodedImage", "blob", "Blob", false},
    {"EncodedImage", "media_type", "MediaType", false},
    {"EncodedImage", "opacity", "Opacity", false},
    {"EncodedImage", "draw_order", "DrawOrder", false},
    {"EncodedImage", "magnification_filter", "MagnificationFilter", false},
    {"GeoLineStrings", "line_strings", "GeoLineString", true},
    {"GeoLineStrings", "radii", "Radius", true},
    {"GeoLineStrings", "colors", "Color", true},
    {"GeoPoints", "positions", "LatLon", true},
    {"GeoPoints", "radii", "Radius", true},
    {"GeoPoints", "colors", "Color", true},
    {"GeoPoints", "class_ids", "ClassId", true},
    {"GraphEdges", "edges", "GraphEdge", true},
    {"GraphEdges", "graph_type", "GraphType", false},
    {"GraphNodes", "node_ids", "GraphNode", true},
    {"GraphNodes", "positions", "Position2D", true},
    {"GraphNodes", "colors", "Color", true},
    {"GraphNodes", "labels", "Text", true},
    {"GraphNodes", "show_labels", "ShowLabels", false},
    {"GraphNodes", "radii", "Radius", true},
    {"GridMap", "data", "ImageBuffer", false},
    {"GridMap", "format", "ImageFormat", false},
    {"GridMap", "cell_size", "CellSize", false},
    {"GridMap", "translation", "Translation3D", false},
    {"GridMap", "rotation_axis_angle", "RotationAxisAngle", false},
    {"GridMap", "quaternion", "RotationQuat", false},
    {"GridMap", "opacity", "Opacity", false},
    {"GridMap", "draw_order", "DrawOrder", false},
    {"GridMap", "colormap", "Colormap", false},
    {"Image", "buffer", "ImageBuffer", false},
    {"Image", "format", "ImageFormat", false},
    {"Image", "opacity", "Opacity", false},
    {"Image", "draw_order", "DrawOrder", false},
    {"Image", "magnification_filter", "MagnificationFilter", false},
    {"InstancePoses3D", "translations", "Translation3D", true},
    {"InstancePoses3D", "rotation_axis_angles", "RotationAxisAngle", true},
    {"InstancePoses3D", "quaternions", "RotationQuat", true},
    {"InstancePoses3D", "scales", "Scale3D", true},
    {"InstancePoses3D", "mat3x3", "TransformMat3x3", true},
    {"LineStrips2D", "strips", "LineStrip2D", true},
    {"LineStrips2D", "radii", "Radius", true},
    {"LineStrips2D", "colors", "Color", true},
    {"LineStrips2D", "labels", "Text", true},
    {"LineStrips2D", "show_labels", "ShowLabels", false},
    {"LineStrips2D", "draw_order", "DrawOrder", false},
    {"LineStrips2D", "class_ids", "ClassId", true},
    {"LineStrips3D", "strips", "LineStrip3D", true},
    {"LineStrips3D", "radii", "Radius", true},
    {"LineStrips3D", "colors", "Color", true},
    {"LineStrips3D", "labels", "Text", true},
    {"LineStrips3D", "show_labels", "ShowLabels", false},
    {"LineStrips3D", "class_ids", "ClassId", true},
    {"McapChannel", "id", "ChannelId", false},
    {"McapChannel", "topic", "Text", false},
    {"McapChannel", "message_encoding", "Text", false},
    {"McapChannel", "metadata", "KeyValuePairs", false},
    {"McapMessage", "data", "Blob", false},
    {"McapSchema", "id", "SchemaId", false},
    {"McapSchema", "name", "Text", false},
    {"McapSchema", "encoding", "Text", false},
    {"McapSchema", "data", "Blob", false},
    {"McapStatistics", "message_count", "Count", false},
    {"McapStatistics", "schema_count", "Count", false},
    {"McapStatistics", "channel_count", "Count", false},
    {"McapStatistics", "attachment_count", "Count", false},
    {"McapStatistics", "metadata_count", "Count", false},
    {"McapStatistics", "chunk_count", "Count", false},
    {"McapStatistics", "message_start_time", "Timestamp", false},
    {"McapStatistics", "message_end_time", "Timestamp", false},
    {"McapStatistics", "channel_message_counts", "ChannelMessageCounts", false},
    {"Mesh3D", "vertex_positions", "Position3D", true},
    {"Mesh3D", "triangle_indices", "TriangleIndices", true},
    {"Mesh3D", "vertex_normals", "Vector3D", true},
    {"Mesh3D", "vertex_colors", "Color", true},
    {"Mesh3D", "vertex_texcoords", "Texcoord2D", true},
    {"Mesh3D", "albedo_factor", "AlbedoFactor", false},
    {"Mesh3D", "face_rendering", "MeshFaceRendering", false},
    {"Mesh3D", "albedo_texture_buffer", "ImageBuffer", false},
    {"Mesh3D", "albedo_texture_format", "ImageFormat", false},
    {"Mesh3D", "class_ids", "ClassId", true},
    {"Pinhole", "image_from_camera", "PinholeProjection", false},
    {"Pinhole", "resolution", "Resolution", false},
    {"Pinhole", "camera_xyz", "ViewCoordinates", false},
    {"Pinhole", "child_frame", "TransformFrameId", false},
    {"Pinhole", "parent_frame", "TransformFrameId", false},
    {"Pinhole", "image_plane_distance", "ImagePlaneDistance", false},
    {"Pinhole", "color", "Color", false},
    {"Pinhole", "line_width", "Radius", false},
    {"Points2D", "positions", "Position2D", true},
    {"Points2D", "radii", "Radius", true},
    {"Points2D", "colors", "Color", true},
    {"Points2D", "labels", "Text", true},
    {"Points2D", "show_labels", "ShowLabels", false},
    {"Points2D", "draw_order", "DrawOrder", false},
    {"Points2D", "class_ids", "ClassId", true},
    {"Points2D", "keypoint_ids", "KeypointId", true},
    {"Points3D", "positions", "Position3D", true},
    {"Points3D", "radii", "Radius", true},
    {"Points3D", "colors", "Color", true},
    {"Points3D", "labels", "Text", true},
    {"Points3D", "show_labels", "ShowLabels", false},
    {"Points3D", "class_ids", "ClassId", true},
    {"Points3D", "keypoint_ids", "KeypointId", true},
    {"RecordingInfo", "start_time", "Timestamp", false},
    {"RecordingInfo", "name", "Name", false},
    {"Scalars", "scalars", "Scalar", true},
    {"SegmentationImage", "buffer", "ImageBuffer", false},
    {"SegmentationImage", "format", "ImageFormat", false},
    {"SegmentationImage", "opacity", "Opacity", false},
    {"SegmentationImage", "draw_order", "DrawOrder", false},
    {"SeriesLines", "colors", "Color", true},
    {"SeriesLines", "widths", "StrokeWidth", true},
    {"SeriesLines", "names", "Name", true},
    {"SeriesLines", "visible_series", "Visible", true},
    {"SeriesLines", "aggregation_policy", "AggregationPolicy", false},
    {"SeriesLines", "interpolation_mode", "InterpolationMode", false},
    {"SeriesPoints", "markers", "MarkerShape", true},
    {"SeriesPoints", "colors", "Color", true},
    {"SeriesPoints", "names", "Name", true},
    {"SeriesPoints", "visible_series", "Visible", true},
    {"SeriesPoints", "marker_sizes", "MarkerSize", true},
    {"StateChange", "state", "Text", false},
    {"StateConfiguration", "values", "Text", true},
    {"StateConfiguration", "labels", "Text", true},
    {"StateConfiguration", "colors", "Color", true},
    {"StateConfiguration", "visible", "Visible", true},
    {"Tensor", "data", "TensorData", false},
    {"Tensor", "value_range", "ValueRange", false},
    {"TextDocument", "text", "Text", false},
    {"TextDocument", "media_type", "MediaType", false},
    {"TextLog", "text", "Text", false},
    {"TextLog", "level", "TextLogLevel", false},
    {"TextLog", "color", "Color", false},
    {"Transform3D", "translation", "Translation3D", false},
    {"Transform3D", "rotation_axis_angle", "RotationAxisAngle", false},
    {"Transform3D", "quaternion", "RotationQuat", false},
    {"Transform3D", "scale", "Scale3D", false},
    {"Transform3D", "mat3x3", "TransformMat3x3", false},
    {"Transform3D", "relation", "TransformRelation", false},
    {"Transform3D", "child_frame", "TransformFrameId", false},
    {"Transform3D", "parent_frame", "TransformFrameId", false},
    {"TransformAxes3D", "axis_length", "AxisLength", false},
    {"TransformAxes3D", "show_frame", "ShowLabels", false},
    {"VideoFrameReference", "timestamp", "VideoTimestamp", false},
    {"VideoFrameReference", "video_reference", "EntityPath", false},
    {"VideoFrameReference", "draw_order", "DrawOrder", false},
    {"VideoStream", "codec", "VideoCodec", false},
    {"VideoStream", "sample", "VideoSample", false},
    {"VideoStream", "is_keyframe", "IsKeyframe", false},
    {"VideoStream", "opacity", "Opacity", false},
    {"VideoStream", "draw_order", "DrawOrder", false},
    {"ViewCoordinates", "xyz", "ViewCoordinates", false},
};
#define N_EXP_FIELDS (sizeof EXP_FIELDS / sizeof *EXP_FIELDS)

/* The Arrow datatype of every component, in a compact notation: the format
 * string, then the children as [name:type,...]; "?" after a name marks a
 * nullable field. */
typedef struct exp_type {
    const char *component, *arrow;
} exp_type_t;

#define ANNOTATION_INFO "+s[id:S,label?:u,color?:I]"
#define LIST_U(f) "+l[item:" f "]"
static const exp_type_t EXP_TYPES[] = {
    {"AggregationPolicy", "C"},
    {"AlbedoFactor", "I"},
    {"AnnotationContext",
     "+l[item:+s[class_id:S,class_description:+s[info:" ANNOTATION_INFO
     ",keypoint_annotations:+l[item:" ANNOTATION_INFO
     "],keypoint_connections:+l[item:+s[keypoint0:S,keypoint1:S]]]]]"},
    {"AxisLength", "f"},
    {"Blob", LIST_U("C")},
    {"CellSize", "f"},
    {"ChannelId", "S"},
    {"ChannelMessageCounts", "+l[item:+s[channel_id:S,message_count:L]]"},
    {"ClassId", "S"},
    {"ClearIsRecursive", "b"},
    {"Color", "I"},
    {"Colormap", "C"},
    {"Count", "L"},
    {"DepthMeter", "f"},
    {"DrawOrder", "f"},
    {"EntityPath", "u"},
    {"FillMode", "C"},
    {"FillRatio", "f"},
    {"GeoLineString", "+l[item:+w:2[item:g]]"},
    {"GraphEdge", "+s[first:u,second:u]"},
    {"GraphNode", "u"},
    {"GraphType", "C"},
    {"HalfSize2D", "+w:2[item:f]"},
    {"HalfSize3D", "+w:3[item:f]"},
    {"ImageBuffer", LIST_U("C")},
    {"ImageFormat", "+s[width:I,height:I,pixel_format?:C,color_model?:C,channel_datatype?:C]"},
    {"ImagePlaneDistance", "f"},
    {"InterpolationMode", "C"},
    {"IsKeyframe", "b"},
    {"KeyValuePairs", "+l[item:+s[first:u,second:u]]"},
    {"KeypointId", "S"},
    {"LatLon", "+w:2[item:g]"},
    {"Length", "f"},
    {"LineStrip2D", "+l[item:+w:2[item:f]]"},
    {"LineStrip3D", "+l[item:+w:3[item:f]]"},
    {"MagnificationFilter", "C"},
    {"MarkerShape", "C"},
    {"MarkerSize", "f"},
    {"MediaType", "u"},
    {"MeshFaceRendering", "C"},
    {"Name", "u"},
    {"Opacity", "f"},
    {"PinholeProjection", "+w:9[item:f]"},
    {"Position2D", "+w:2[item:f]"},
    {"Position3D", "+w:3[item:f]"},
    {"Radius", "f"},
    {"Resolution", "+w:2[item:f]"},
    {"RotationAxisAngle", "+s[axis:+w:3[item:f],angle:f]"},
    {"RotationQuat", "+w:4[item:f]"},
    {"Scalar", "g"},
    {"Scale3D", "+w:3[item:f]"},
    {"SchemaId", "S"},
    {"ShowLabels", "b"},
    {"StrokeWidth", "f"},
    {"TensorData",
     "+s[shape:" LIST_U("L") ",names?:" LIST_U("u") ",buffer?:+ud:0,1,2,3,4,5,6,7,8,9,10,11["
     "_null_markers?:n,U8:" LIST_U("C") ",U16:" LIST_U("S") ",U32:" LIST_U("I") ",U64:" LIST_U("L")
     ",I8:" LIST_U("c") ",I16:" LIST_U("s") ",I32:" LIST_U("i") ",I64:" LIST_U("l")
     ",F16:" LIST_U("e") ",F32:" LIST_U("f") ",F64:" LIST_U("g") "]]"},
    {"Texcoord2D", "+w:2[item:f]"},
    {"Text", "u"},
    {"TextLogLevel", "u"},
    {"Timestamp", "l"},
    {"TransformFrameId", "u"},
    {"TransformMat3x3", "+w:9[item:f]"},
    {"TransformRelation", "C"},
    {"Translation3D", "+w:3[item:f]"},
    {"TriangleIndices", "+w:3[item:I]"},
    {"ValueRange", "+w:2[item:g]"},
    {"Vector2D", "+w:2[item:f]"},
    {"Vector3D", "+w:3[item:f]"},
    {"VideoCodec", "I"},
    {"VideoSample", LIST_U("C")},
    {"VideoTimestamp", "l"},
    {"ViewCoordinates", "+w:3[item:C]"},
    {"Visible", "b"},
};
#define N_EXP_TYPES (sizeof EXP_TYPES / sizeof *EXP_TYPES)

typedef struct exp_arch {
    const char *name;
    rr_status_t (*update_fields)(rr_archetype_t **, rr_error_t *);
    rr_status_t (*clear_fields)(rr_archetype_t **, rr_error_t *);
} exp_arch_t;

static const exp_arch_t EXP_ARCHS[] = {
    {"AnnotationContext", rr_annotation_context_update_fields, rr_annotation_context_clear_fields},
    {"Arrows2D", rr_arrows2d_update_fields, rr_arrows2d_clear_fields},
    {"Arrows3D", rr_arrows3d_update_fields, rr_arrows3d_clear_fields},
    {"Asset3D", rr_asset3d_update_fields, rr_asset3d_clear_fields},
    {"AssetVideo", rr_asset_video_update_fields, rr_asset_video_clear_fields},
    {"BarChart", rr_bar_chart_update_fields, rr_bar_chart_clear_fields},
    {"Boxes2D", rr_boxes2d_update_fields, rr_boxes2d_clear_fields},
    {"Boxes3D", rr_boxes3d_update_fields, rr_boxes3d_clear_fields},
    {"Capsules3D", rr_capsules3d_update_fields, rr_capsules3d_clear_fields},
    {"Clear", rr_clear_update_fields, rr_clear_clear_fields},
    {"CoordinateFrame", rr_coordinate_frame_update_fields, rr_coordinate_frame_clear_fields},
    {"Cylinders3D", rr_cylinders3d_update_fields, rr_cylinders3d_clear_fields},
    {"DepthImage", rr_depth_image_update_fields, rr_depth_image_clear_fields},
    {"Ellipses2D", rr_ellipses2d_update_fields, rr_ellipses2d_clear_fields},
    {"Ellipsoids3D", rr_ellipsoids3d_update_fields, rr_ellipsoids3d_clear_fields},
    {"EncodedDepthImage", rr_encoded_depth_image_update_fields, rr_encoded_depth_image_clear_fields},
    {"EncodedImage", rr_encoded_image_update_fields, rr_encoded_image_clear_fields},
    {"GeoLineStrings", rr_geo_line_strings_update_fields, rr_geo_line_strings_clear_fields},
    {"GeoPoints", rr_geo_points_update_fields, rr_geo_points_clear_fields},
    {"GraphEdges", rr_graph_edges_update_fields, rr_graph_edges_clear_fields},
    {"GraphNodes", rr_graph_nodes_update_fields, rr_graph_nodes_clear_fields},
    {"GridMap", rr_grid_map_update_fields, rr_grid_map_clear_fields},
    {"Image", rr_image_update_fields, rr_image_clear_fields},
    {"InstancePoses3D", rr_instance_poses3d_update_fields, rr_instance_poses3d_clear_fields},
    {"LineStrips2D", rr_line_strips2d_update_fields, rr_line_strips2d_clear_fields},
    {"LineStrips3D", rr_line_strips3d_update_fields, rr_line_strips3d_clear_fields},
    {"McapChannel", rr_mcap_channel_update_fields, rr_mcap_channel_clear_fields},
    {"McapMessage", rr_mcap_message_update_fields, rr_mcap_message_clear_fields},
    {"McapSchema", rr_mcap_schema_update_fields, rr_mcap_schema_clear_fields},
    {"McapStatistics", rr_mcap_statistics_update_fields, rr_mcap_statistics_clear_fields},
    {"Mesh3D", rr_mesh3d_update_fields, rr_mesh3d_clear_fields},
    {"Pinhole", rr_pinhole_update_fields, rr_pinhole_clear_fields},
    {"Points2D", rr_points2d_update_fields, rr_points2d_clear_fields},
    {"Points3D", rr_points3d_update_fields, rr_points3d_clear_fields},
    {"RecordingInfo", rr_recording_info_update_fields, rr_recording_info_clear_fields},
    {"Scalars", rr_scalars_update_fields, rr_scalars_clear_fields},
    {"SegmentationImage", rr_segmentation_image_update_fields, rr_segmentation_image_clear_fields},
    {"SeriesLines", rr_series_lines_update_fields, rr_series_lines_clear_fields},
    {"SeriesPoints", rr_series_points_update_fields, rr_series_points_clear_fields},
    {"StateChange", rr_state_change_update_fields, rr_state_change_clear_fields},
    {"StateConfiguration", rr_state_configuration_update_fields, rr_state_configuration_clear_fields},
    {"Tensor", rr_tensor_update_fields, rr_tensor_clear_fields},
    {"TextDocument", rr_text_document_update_fields, rr_text_document_clear_fields},
    {"TextLog", rr_text_log_update_fields, rr_text_log_clear_fields},
    {"Transform3D", rr_transform3d_update_fields, rr_transform3d_clear_fields},
    {"TransformAxes3D", rr_transform_axes3d_update_fields, rr_transform_axes3d_clear_fields},
    {"VideoFrameReference", rr_video_frame_reference_update_fields, rr_video_frame_reference_clear_fields},
    {"VideoStream", rr_video_stream_update_fields, rr_video_stream_clear_fields},
    {"ViewCoordinates", rr_view_coordinates_update_fields, rr_view_coordinates_clear_fields},
};
#define N_EXP_ARCHS (sizeof EXP_ARCHS / sizeof *EXP_ARCHS)

/* ---- helpers ---- */

static void render(const struct ArrowSchema *s, char *out, size_t cap) {
    size_t n = (size_t)snprintf(out, cap, "%s", s->format);
    if (s->n_children == 0 || n >= cap) return;
    n += (size_t)snprintf(out + n, cap - n, "[");
    for (int64_t i = 0; i < s->n_children && n < cap; i++) {
        const struct ArrowSchema *c = s->children[i];
        n += (size_t)snprintf(out + n, cap - n, "%s%s%s:", i ? "," : "", c->name,
                              (c->flags & ARROW_FLAG_NULLABLE) ? "?" : "");
        if (n < cap) render(c, out + n, cap - n);
        n = strlen(out);
    }
    if (n < cap) snprintf(out + n, cap - n, "]");
}

static const char *exp_arrow(const char *component_type) {
    const char *prefix = "rerun.components.";
    if (strncmp(component_type, prefix, strlen(prefix)) != 0) return NULL;
    for (size_t i = 0; i < N_EXP_TYPES; i++)
        if (strcmp(EXP_TYPES[i].component, component_type + strlen(prefix)) == 0)
            return EXP_TYPES[i].arrow;
    return NULL;
}

static size_t exp_count(const char *archetype) {
    size_t n = 0;
    for (size_t i = 0; i < N_EXP_FIELDS; i++) n += strcmp(EXP_FIELDS[i].archetype, archetype) == 0;
    return n;
}

/* Checks batch i of a: descriptor is one of Rerun's for the archetype,
 * datatype as the table says, array valid for it. Returns the field. */
static const exp_field_t *check_batch(const rr_archetype_t *a, size_t i, const char *archetype) {
    const rr_sdk_batch_t *b = &a->batches[i];
    char want_arch[128];
    snprintf(want_arch, sizeof want_arch, "rerun.archetypes.%s", archetype);
    assert_non_null(b->desc.archetype);
    assert_string_equal(b->desc.archetype, want_arch);
    const exp_field_t *f = NULL;
    for (size_t k = 0; k < N_EXP_FIELDS; k++) {
        char comp[160];
        snprintf(comp, sizeof comp, "%s:%s", EXP_FIELDS[k].archetype, EXP_FIELDS[k].field);
        if (strcmp(EXP_FIELDS[k].archetype, archetype) == 0 && strcmp(comp, b->desc.component) == 0)
            f = &EXP_FIELDS[k];
    }
    if (!f) fail_msg("%s: unexpected component %s", archetype, b->desc.component);
    char want_type[160];
    snprintf(want_type, sizeof want_type, "rerun.components.%s", f->component);
    assert_non_null(b->desc.component_type);
    assert_string_equal(b->desc.component_type, want_type);
    const char *want = exp_arrow(b->desc.component_type);
    if (!want) fail_msg("no expected datatype for %s", b->desc.component_type);
    char got[2048];
    render(&b->schema, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: datatype\n  got  %s\n  want %s", b->desc.component, got, want);
    rr_error_t err;
    rr_status_t st = rr_arrow_validate_utf8(&b->schema, &b->cell->array, &err);
    if (st != RR_OK) fail_msg("%s: invalid array: %s", b->desc.component, err.msg);
    return f;
}

static const rr_sdk_batch_t *batch(const rr_archetype_t *a, const char *component) {
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->batches[i].desc.component, component) == 0) return &a->batches[i];
    fail_msg("no batch %s", component);
    return NULL;
}

static void check_all(const rr_archetype_t *a, const char *archetype) {
    for (size_t i = 0; i < a->n; i++) check_batch(a, i, archetype);
}

/* ---- tests ---- */

/* The generator's component tables against the independent table. */
static void test_component_datatypes(void **state) {
    (void)state;
    size_t n = sizeof rr_gen_components / sizeof *rr_gen_components;
    assert_int_equal(n, N_EXP_TYPES);
    for (size_t i = 0; i < n; i++) {
        const char *want = exp_arrow(rr_gen_components[i].name);
        if (!want) fail_msg("unexpected component %s", rr_gen_components[i].name);
        struct ArrowSchema s;
        rr_error_t err;
        assert_rr_ok(rr_gen_schema(rr_gen_components[i].type, "", &s, &err), &err);
        char got[2048];
        render(&s, got, sizeof got);
        if (strcmp(got, want) != 0)
            fail_msg("%s:\n  got  %s\n  want %s", rr_gen_components[i].name, got, want);
        rr_arrow_schema_release(&s);
    }
    /* Every component an archetype uses has an expected datatype. */
    for (size_t i = 0; i < N_EXP_FIELDS; i++) {
        char ct[160];
        snprintf(ct, sizeof ct, "rerun.components.%s", EXP_FIELDS[i].component);
        assert_non_null(exp_arrow(ct));
    }
}

/* clear_fields of every archetype: one empty batch per field, with
 * Rerun's exact descriptors and datatypes; update_fields: none. */
static void test_all_archetypes_clear_and_update(void **state) {
    (void)state;
    assert_int_equal(N_EXP_ARCHS, 49);
    assert_int_equal(RR_ARCHETYPE_COUNT, 49);
    for (size_t k = 0; k < N_EXP_ARCHS; k++) {
        const exp_arch_t *x = &EXP_ARCHS[k];
        rr_archetype_t *a = NULL;
        rr_error_t err;
        assert_rr_ok(x->clear_fields(&a, &err), &err);
        assert_non_null(a);
        char want[128];
        snprintf(want, sizeof want, "rerun.archetypes.%s", x->name);
        assert_string_equal(a->name, want);
        if (a->n != exp_count(x->name))
            fail_msg("%s: %zu batches, Rerun has %zu fields", x->name, a->n, exp_count(x->name));
        for (size_t i = 0; i < a->n; i++) {
            check_batch(a, i, x->name);
            assert_int_equal(rr_archetype_batch_length(a, i), 0);
            for (size_t j = 0; j < i; j++)
                assert_string_not_equal(a->batches[i].desc.component, a->batches[j].desc.component);
        }
        rr_archetype_free(a);
        assert_rr_ok(x->update_fields(&a, &err), &err);
        assert_string_equal(a->name, want);
        assert_int_equal(a->n, 0);
        rr_archetype_free(a);
    }
}

/* Constructors of all 49 with sample data for the required fields. */
static const float XYZ[4][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}};
static const float XY[3][2] = {{1, 2}, {3, 4}, {5, 6}};
static const uint8_t BYTES[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

#define NEW(arch, call, n_required)                                                         \
    do {                                                                                    \
        rr_archetype_t *a = NULL;                                                           \
        rr_error_t err;                                                                     \
        assert_rr_ok(call, &err);                                                           \
        assert_non_null(a);                                                                 \
        if (a->n != (n_required)) fail_msg("%s: %zu batches", arch, a->n);                  \
        check_all(a, arch);                                                                 \
        rr_archetype_free(a);                                                               \
    } while (0)

static void test_all_constructors(void **state) {
    (void)state;
    rr_image_format_t fmt = {.width = 2, .height = 2, .color_model = RR_COLOR_MODEL_RGB,
                             .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    uint64_t shape[2] = {3, 4};
    rr_tensor_data_t td = {.shape = {shape, 2}, .buffer = {RR_TENSOR_BUFFER_U8, BYTES, 12}};
    rr_class_description_map_elem_t ctx[1] = {
        {.class_id = 1, .class_description = {.info = {.id = 1, .label = "person"}}}};
    rr_line_strip2d_t s2[1] = {{XY, 3}};
    rr_line_strip3d_t s3[2] = {{XYZ, 2}, {XYZ + 2, 2}};
    double ll[2][2] = {{59.3, 18.1}, {48.8, 2.3}};
    rr_geo_line_string_t gls[1] = {{ll, 2}};
    rr_graph_edge_t edges[1] = {{"a", "b"}};
    const char *nodes[2] = {"a", "b"};
    float lengths[2] = {1, 2}, radii[2] = {0.5f, 0.25f};
    double scalars[3] = {1, NAN, 3}; /* NaN is allowed in scalars (gaps) */
    float mat[9] = {500, 0, 0, 0, 500, 0, 320, 240, 1};
    uint8_t vc[3] = {3, 2, 5};

    NEW("AnnotationContext", rr_annotation_context_new(&a, ctx, 1, RR_COPY, &err), 1);
    NEW("Arrows2D", rr_arrows2d_new(&a, XY, 3, RR_COPY, &err), 1);
    NEW("Arrows3D", rr_arrows3d_new(&a, XYZ, 4, RR_COPY, &err), 1);
    NEW("Asset3D", rr_asset3d_new(&a, BYTES, 12, RR_COPY, &err), 1);
    NEW("AssetVideo", rr_asset_video_new(&a, BYTES, 12, RR_BORROW, &err), 1);
    NEW("BarChart", rr_bar_chart_new(&a, &td, RR_COPY, &err), 1);
    NEW("Boxes2D", rr_boxes2d_new(&a, XY, 3, RR_COPY, &err), 1);
    NEW("Boxes3D", rr_boxes3d_new(&a, XYZ, 4, RR_COPY, &err), 1);
    NEW("Capsules3D", rr_capsules3d_new(&a, lengths, 2, radii, 2, RR_COPY, &err), 2);
    NEW("Clear", rr_clear_new(&a, true, RR_COPY, &err), 1);
    NEW("CoordinateFrame", rr_coordinate_frame_new(&a, "base_link", RR_COPY, &err), 1);
    NEW("Cylinders3D", rr_cylinders3d_new(&a, lengths, 2, radii, 2, RR_COPY, &err), 2);
    NEW("DepthImage", rr_depth_image_new(&a, BYTES, 12, &fmt, RR_COPY, &err), 2);
    NEW("Ellipses2D", rr_ellipses2d_new(&a, XY, 3, RR_COPY, &err), 1);
    NEW("Ellipsoids3D", rr_ellipsoids3d_new(&a, XYZ, 4, RR_COPY, &err), 1);
    NEW("EncodedDepthImage", rr_encoded_depth_image_new(&a, BYTES, 12, RR_COPY, &err), 1);
    NEW("EncodedImage", rr_encoded_image_new(&a, BYTES, 12, RR_COPY, &err), 1);
    NEW("GeoLineStrings", rr_geo_line_strings_new(&a, gls, 1, RR_COPY, &err), 1);
    NEW("GeoPoints", rr_geo_points_new(&a, ll, 2, RR_COPY, &err), 1);
    NEW("GraphEdges", rr_graph_edges_new(&a, edges, 1, RR_COPY, &err), 1);
    NEW("GraphNodes", rr_graph_nodes_new(&a, nodes, 2, RR_COPY, &err), 1);
    NEW("GridMap", rr_grid_map_new(&a, BYTES, 12, &fmt, 0.05f, RR_COPY, &err), 3);
    NEW("Image", rr_image_new(&a, BYTES, 12, &fmt, RR_COPY, &err), 2);
    NEW("InstancePoses3D", rr_instance_poses3d_new(&a, &err), 0);
    NEW("LineStrips2D", rr_line_strips2d_new(&a, s2, 1, RR_COPY, &err), 1);
    NEW("LineStrips3D", rr_line_strips3d_new(&a, s3, 2, RR_COPY, &err), 1);
    NEW("McapChannel", rr_mcap_channel_new(&a, 3, "/camera", "cdr", RR_COPY, &err), 3);
    NEW("McapMessage", rr_mcap_message_new(&a, BYTES, 12, RR_COPY, &err), 1);
    NEW("McapSchema", rr_mcap_schema_new(&a, 1, "sensor_msgs/Image", "ros2msg", BYTES, 12,
                                         RR_COPY, &err), 4);
    NEW("McapStatistics", rr_mcap_statistics_new(&a, 100, 2, 3, 0, 1, 5, 1000, 2000, RR_COPY,
                                                 &err), 8);
    NEW("Mesh3D", rr_mesh3d_new(&a, XYZ, 3, RR_COPY, &err), 1);
    NEW("Pinhole", rr_pinhole_new(&a, mat, RR_COPY, &err), 1);
    NEW("Points2D", rr_points2d_new(&a, XY, 3, RR_COPY, &err), 1);
    NEW("Points3D", rr_points3d_new(&a, XYZ, 4, RR_COPY, &err), 1);
    NEW("RecordingInfo", rr_recording_info_new(&a, &err), 0);
    NEW("Scalars", rr_scalars_new(&a, scalars, 3, RR_COPY, &err), 1);
    NEW("SegmentationImage", rr_segmentation_image_new(&a, BYTES, 4, &fmt, RR_COPY, &err), 2);
    NEW("SeriesLines", rr_series_lines_new(&a, &err), 0);
    NEW("SeriesPoints", rr_series_points_new(&a, &err), 0);
    NEW("StateChange", rr_state_change_new(&a, "running", RR_COPY, &err), 1);
    NEW("StateConfiguration", rr_state_configuration_new(&a, &err), 0);
    NEW("Tensor", rr_tensor_new(&a, &td, RR_COPY, &err), 1);
    NEW("TextDocument", rr_text_document_new(&a, "# hello", RR_COPY, &err), 1);
    NEW("TextLog", rr_text_log_new(&a, "started", RR_COPY, &err), 1);
    NEW("Transform3D", rr_transform3d_new(&a, &err), 0);
    NEW("TransformAxes3D", rr_transform_axes3d_new(&a, 1.0f, RR_COPY, &err), 1);
    NEW("VideoFrameReference", rr_video_frame_reference_new(&a, 33000000, RR_COPY, &err), 1);
    NEW("VideoStream", rr_video_stream_new(&a, RR_VIDEO_CODEC_H264, RR_COPY, &err), 1);
    NEW("ViewCoordinates", rr_view_coordinates_new(&a, vc, RR_COPY, &err), 1);
}

/* Points3D with every field: values land in the Arrow buffers as given. */
static void test_points3d_values(void **state) {
    (void)state;
    rr_archetype_t *a;
    rr_error_t err;
    uint32_t colors[4] = {0xFF0000FF, 0x00FF00FF, 0x0000FFFF, 0xFFFFFFFF};
    float radii[1] = {0.1f};
    const char *labels[2] = {"a", "b\xc3\xa9"};
    uint16_t class_ids[4] = {1, 2, 3, 4};
    assert_rr_ok(rr_points3d_new(&a, XYZ, 4, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_colors(a, colors, 4, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_radii(a, radii, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_labels(a, labels, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_show_labels(a, true, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_class_ids(a, class_ids, 4, RR_COPY, &err), &err);
    assert_rr_ok(rr_points3d_set_keypoint_ids(a, class_ids, 2, RR_COPY, &err), &err);
    assert_int_equal(a->n, 7);
    check_all(a, "Points3D");

    const rr_sdk_batch_t *b = batch(a, "Points3D:positions");
    const struct ArrowArray *pos = &b->cell->array;
    assert_int_equal(pos->length, 4);
    assert_int_equal(pos->children[0]->length, 12);
    assert_memory_equal(pos->children[0]->buffers[1], XYZ, sizeof XYZ);
    assert_ptr_not_equal(pos->children[0]->buffers[1], XYZ); /* copied */
    b = batch(a, "Points3D:colors");
    assert_memory_equal(b->cell->array.buffers[1], colors, sizeof colors);
    b = batch(a, "Points3D:labels");
    const int32_t *off = b->cell->array.buffers[1];
    assert_int_equal(off[2], 4);
    assert_memory_equal((const char *)b->cell->array.buffers[2], "ab\xc3\xa9", 4);
    b = batch(a, "Points3D:show_labels");
    assert_int_equal(b->cell->array.length, 1);
    assert_int_equal(((const uint8_t *)b->cell->array.buffers[1])[0] & 1, 1);

    /* A setter replaces the batch. */
    assert_rr_ok(rr_points3d_set_colors(a, colors, 1, RR_COPY, &err), &err);
    assert_int_equal(a->n, 7);
    assert_int_equal(batch(a, "Points3D:colors")->cell->array.length, 1);
    rr_archetype_free(a);
}

/* RR_BORROW keeps flat data in the caller's memory and says so. */
static void test_borrow(void **state) {
    (void)state;
    rr_archetype_t *a;
    rr_error_t err;
    assert_rr_ok(rr_points3d_new(&a, XYZ, 4, RR_BORROW, &err), &err);
    const rr_sdk_batch_t *b = batch(a, "Points3D:positions");
    assert_ptr_equal(b->cell->array.children[0]->buffers[1], XYZ);
    assert_true(b->borrowed);
    rr_archetype_free(a);

    rr_image_format_t fmt = {.width = 2, .height = 2, .color_model = RR_COLOR_MODEL_RGB,
                             .channel_datatype = RR_CHANNEL_DATATYPE_U8};
    assert_rr_ok(rr_image_new(&a, BYTES, 12, &fmt, RR_BORROW, &err), &err);
    b = batch(a, "Image:buffer");
    assert_ptr_equal(b->cell->array.children[0]->buffers[1], BYTES);
    assert_true(b->borrowed);
    check_all(a, "Image");
    rr_archetype_free(a);

    assert_rr_ok(rr_image_new(&a, BYTES, 12, &fmt, RR_COPY, &err), &err);
    b = batch(a, "Image:buffer");
    assert_ptr_not_equal(b->cell->array.children[0]->buffers[1], BYTES);
    assert_false(b->borrowed);
    assert_memory_equal(b->cell->array.children[0]->buffers[1], BYTES, 12);
    rr_archetype_free(a);
}

/* Nested datatypes: nullable members, unions, lists of structs. */
static void test_nested_values(void **state) {
    (void)state;
    rr_archetype_t *a;
    rr_error_t err;
    /* ImageFormat: unset enums are nulls. */
    rr_image_format_t fmt = {.width = 640, .height = 480, .pixel_format = RR_PIXEL_FORMAT_NV12};
    assert_rr_ok(rr_image_new(&a, BYTES, 12, &fmt, RR_COPY, &err), &err);
    const struct ArrowArray *f = &batch(a, "Image:format")->cell->array;
    assert_int_equal(f->length, 1);
    assert_int_equal(((const uint32_t *)f->children[0]->buffers[1])[0], 640);
    assert_int_equal(f->children[2]->null_count, 0);
    assert_int_equal(((const uint8_t *)f->children[2]->buffers[1])[0], 26);
    assert_int_equal(f->children[3]->null_count, 1);
    assert_int_equal(f->children[4]->null_count, 1);
    rr_archetype_free(a);

    /* TensorData: shape, names, an F32 buffer (union type id 10). */
    float vals[6] = {1, 2, 3, 4, 5, 6};
    uint64_t shape[2] = {2, 3};
    const char *names[2] = {"rows", "cols"};
    rr_tensor_data_t td = {.shape = {shape, 2}, .names = {names, 2},
                           .buffer = {RR_TENSOR_BUFFER_F32, vals, 6}};
    assert_rr_ok(rr_tensor_new(&a, &td, RR_COPY, &err), &err);
    check_all(a, "Tensor");
    const struct ArrowArray *t = &batch(a, "Tensor:data")->cell->array;
    const struct ArrowArray *u = t->children[2];
    assert_int_equal(((const int8_t *)u->buffers[0])[0], 10);
    assert_memory_equal(u->children[10]->children[0]->buffers[1], vals, sizeof vals);
    rr_archetype_free(a);

    /* Annotation context with keypoints and a colour. */
    rr_annotation_info_t kp[2] = {{.id = 0, .label = "nose"}, {.id = 1, .has_color = true, .color = 0xFF0000FF}};
    rr_keypoint_pair_t conn[1] = {{0, 1}};
    rr_class_description_map_elem_t ctx[2] = {
        {.class_id = 1, .class_description = {.info = {.id = 1, .label = "person"},
                                              .keypoint_annotations = {kp, 2},
                                              .keypoint_connections = {conn, 1}}},
        {.class_id = 2, .class_description = {.info = {.id = 2, .has_color = true, .color = 7}}}};
    assert_rr_ok(rr_annotation_context_new(&a, ctx, 2, RR_COPY, &err), &err);
    check_all(a, "AnnotationContext");
    const struct ArrowArray *ac = &batch(a, "AnnotationContext:context")->cell->array;
    assert_int_equal(ac->length, 1);
    assert_int_equal(ac->children[0]->length, 2);
    rr_archetype_free(a);

    /* Transform3D: one value per field, by value, array or pointer. */
    assert_rr_ok(rr_transform3d_new(&a, &err), &err);
    float tr[3] = {1, 2, 3}, q[4] = {0, 0, 0, 1};
    rr_rotation_axis_angle_t raa = {{0, 0, 1}, 1.5f};
    assert_rr_ok(rr_transform3d_set_translation(a, tr, RR_COPY, &err), &err);
    assert_rr_ok(rr_transform3d_set_quaternion(a, q, RR_COPY, &err), &err);
    assert_rr_ok(rr_transform3d_set_rotation_axis_angle(a, &raa, RR_COPY, &err), &err);
    assert_rr_ok(rr_transform3d_set_relation(a, RR_TRANSFORM_RELATION_CHILD_FROM_PARENT, RR_COPY, &err), &err);
    assert_rr_ok(rr_transform3d_set_child_frame(a, "camera", RR_COPY, &err), &err);
    assert_int_equal(a->n, 5);
    check_all(a, "Transform3D");
    assert_int_equal(((const uint8_t *)batch(a, "Transform3D:relation")->cell->array.buffers[1])[0], 2);
    rr_archetype_free(a);

    /* VideoCodec FourCCs above INT32_MAX survive as uint32. */
    assert_rr_ok(rr_video_stream_new(&a, RR_VIDEO_CODEC_VP9, RR_COPY, &err), &err);
    assert_int_equal(((const uint32_t *)batch(a, "VideoStream:codec")->cell->array.buffers[1])[0],
                     0x76703039u);
    check_all(a, "VideoStream");
    rr_archetype_free(a);
}

#define EXPECT_FAIL(call, ...)                                                               \
    do {                                                                                    \
        rr_error_t err_;                                                                    \
        memset(&err_, 0, sizeof err_);                                                      \
        rr_error_t *err = &err_;                                                            \
        rr_status_t st_ = (call);                                                           \
        assert_int_equal(st_, RR_ERR_INVALID_ARG);                                          \
        const char *want_[] = {__VA_ARGS__};                                                \
        for (size_t w_ = 0; w_ < sizeof want_ / sizeof *want_; w_++)                        \
            if (!strstr(err->msg, want_[w_]))                                               \
                fail_msg("message '%s' lacks '%s'", err->msg, want_[w_]);                   \
    } while (0)

static void test_bad_arguments(void **state) {
    (void)state;
    rr_archetype_t *a = (rr_archetype_t *)&a;
    float nan_xyz[2][3] = {{1, 2, 3}, {4, NAN, 6}};
    EXPECT_FAIL(rr_points3d_new(&a, NULL, 3, RR_COPY, err), "rr_points3d_new",
                "Points3D:positions", "NULL");
    assert_null(a);
    EXPECT_FAIL(rr_points3d_new(&a, nan_xyz, 2, RR_COPY, err), "Points3D:positions",
                "instance 1", "NaN");
    assert_null(a);
    float inf_r[2] = {1, INFINITY};
    rr_error_t e;
    assert_rr_ok(rr_points3d_new(&a, XYZ, 2, RR_BORROW, &e), &e);
    EXPECT_FAIL(rr_points3d_set_radii(a, inf_r, 2, RR_COPY, err), "rr_points3d_set_radii",
                "Points3D:radii", "instance 1");
    EXPECT_FAIL(rr_points3d_set_colors(a, NULL, 1, RR_COPY, err), "Points3D:colors");
    EXPECT_FAIL(rr_points3d_set_colors(a, NULL, 1, (rr_copy_mode_t)7, err), "Points3D:colors");
    const char *bad_labels[2] = {"ok", "\xff\xfe"};
    EXPECT_FAIL(rr_points3d_set_labels(a, bad_labels, 2, RR_COPY, err), "Points3D:labels",
                "instance 1", "UTF-8");
    const char *null_labels[1] = {NULL};
    EXPECT_FAIL(rr_points3d_set_labels(a, null_labels, 1, RR_COPY, err), "Points3D:labels",
                "NULL string");
    assert_int_equal(a->n, 1); /* failed setters left it as it was */
    rr_archetype_free(a);
    EXPECT_FAIL(rr_points3d_set_radii(NULL, inf_r, 1, RR_COPY, err), "NULL archetype");
    EXPECT_FAIL(rr_points3d_new(NULL, XYZ, 1, RR_COPY, err), "NULL out");

    /* Enums: only Rerun's values. */
    EXPECT_FAIL(rr_video_stream_new(&a, (rr_video_codec_t)1234, RR_COPY, err),
                "VideoStream:codec", "VideoCodec");
    assert_null(a);
    rr_image_format_t fmt = {.width = 1, .height = 1, .color_model = (rr_color_model_t)9};
    EXPECT_FAIL(rr_image_new(&a, BYTES, 3, &fmt, RR_COPY, err), "Image:format", "color_model");
    EXPECT_FAIL(rr_image_new(&a, NULL, 3, &fmt, RR_COPY, err), "Image:buffer", "NULL");
    EXPECT_FAIL(rr_image_new(&a, BYTES, 3, NULL, RR_COPY, err), "Image:format", "NULL");

    /* NaN inside nested geometry. */
    float strip[2][3] = {{0, 0, 0}, {1, NAN, 1}};
    rr_line_strip3d_t s3[2] = {{XYZ, 2}, {strip, 2}};
    EXPECT_FAIL(rr_line_strips3d_new(&a, s3, 2, RR_COPY, err), "LineStrips3D:strips",
                "instance 1", "NaN");
    rr_line_strip3d_t snull[1] = {{NULL, 2}};
    EXPECT_FAIL(rr_line_strips3d_new(&a, snull, 1, RR_COPY, err), "LineStrips3D:strips", "NULL");
    assert_rr_ok(rr_transform3d_new(&a, &e), &e);
    rr_rotation_axis_angle_t raa = {{0, 0, 1}, NAN};
    EXPECT_FAIL(rr_transform3d_set_rotation_axis_angle(a, &raa, RR_COPY, err),
                "Transform3D:rotation_axis_angle", "angle", "NaN");
    rr_archetype_free(a);

    /* Unions: a kind that is none. */
    uint64_t shape[1] = {3};
    rr_tensor_data_t td = {.shape = {shape, 1}, .buffer = {(rr_tensor_buffer_kind_t)12, BYTES, 3}};
    EXPECT_FAIL(rr_tensor_new(&a, &td, RR_COPY, err), "Tensor:data", "TensorBuffer");
    /* Graph edges: a NULL end. */
    rr_graph_edge_t edges[1] = {{"a", NULL}};
    EXPECT_FAIL(rr_graph_edges_new(&a, edges, 1, RR_COPY, err), "GraphEdges:edges", "second");
    assert_null(a);
}

/* The builders' batches go through the SDK's rr_log into an .rrd. */
static void test_log_through_sdk(void **state) {
    (void)state;
    rr_recording_options_t opts = {.batcher = {.no_threads = true}};
    rr_recording_stream_t *rec;
    rr_memory_sink_t *sink;
    rr_error_t err;
    assert_rr_ok(rr_recording_stream_new("test_archetypes", &opts, &rec, &err), &err);
    assert_rr_ok(rr_memory_sink(rec, &sink, &err), &err);
    rr_archetype_t *a;
    float xyz[2][3] = {{1, 2, 3}, {4, 5, 6}};
    assert_rr_ok(rr_points3d_new(&a, xyz, 2, RR_BORROW, &err), &err);
    assert_rr_ok(rr_log(rec, "points", a, &err), &err);
    xyz[0][0] = 99; /* borrowed: the logged row was copied */
    rr_archetype_free(a);
    float vals[4] = {1, 2, 3, 4};
    uint64_t shape[1] = {4};
    rr_tensor_data_t td = {.shape = {shape, 1}, .buffer = {RR_TENSOR_BUFFER_F32, vals, 4}};
    assert_rr_ok(rr_bar_chart_new(&a, &td, RR_COPY, &err), &err);
    assert_rr_ok(rr_log(rec, "chart", a, &err), &err);
    rr_archetype_free(a);
    for (size_t k = 0; k < N_EXP_ARCHS; k++) {
        assert_rr_ok(EXP_ARCHS[k].clear_fields(&a, &err), &err);
        assert_rr_ok(rr_log(rec, "cleared", a, &err), &err);
        rr_archetype_free(a);
    }
    assert_rr_ok(rr_flush(rec, &err), &err);
    size_t len = 0;
    assert_non_null(rr_memory_sink_data(sink, &len));
    assert_true(len > 1000);
    rr_recording_stream_free(rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_component_datatypes),
        cmocka_unit_test(test_all_archetypes_clear_and_update),
        cmocka_unit_test(test_all_constructors),
        cmocka_unit_test(test_points3d_values),
        cmocka_unit_test(test_borrow),
        cmocka_unit_test(test_nested_values),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_log_through_sdk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
