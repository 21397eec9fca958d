/* Shared by the shell's files: its state (shell.c lays out the frame,
 * shell_views.c owns the views and their targets, shell_select.c builds the
 * selection panel's lines) and the raw input the UI context collected.
 *
 * ui.h answers widget questions ("was I clicked") but does not expose the
 * mouse position, wheel or modifier keys that the views' cameras need, so
 * this header reads them from the UI context's insides (ui_internal.h),
 * read-only. Not for other modules. */
#ifndef RR_VIEWER_SHELL_SHELL_INTERNAL_H
#define RR_VIEWER_SHELL_SHELL_INTERNAL_H

#include "viewer/gfx/camera.h"
#include "viewer/shell/shell.h"
#include "viewer/shell/time_panel.h"
#include "viewer/ui/ui_gl.h"
#include "viewer/ui/ui_internal.h"
#include "viewer/views/spatial2d.h"
#include "viewer/views/graph.h"
#include "viewer/views/spatial3d.h"
#include "viewer/views/textlog.h"
#include "viewer/views/timeseries.h"

/* ---------------- raw input of this frame ---------------- */

static inline float shell_mouse_x(const rr_ui_t *ui) { return ui->mx; }
static inline float shell_mouse_y(const rr_ui_t *ui) { return ui->my; }
static inline bool shell_mouse_in(const rr_ui_t *ui) { return ui->mouse_in; }
static inline float shell_mouse_dx(const rr_ui_t *ui) { return ui->mx - ui->prev_mx; }
static inline float shell_mouse_dy(const rr_ui_t *ui) { return ui->my - ui->prev_my; }
static inline bool shell_button_down(const rr_ui_t *ui, int b) { return ui->down[b]; }
static inline bool shell_button_pressed(const rr_ui_t *ui, int b) { return ui->pressed[b]; }
static inline bool shell_button_released(const rr_ui_t *ui, int b) { return ui->released[b]; }
/* The wheel in notches (views zoom a step per notch). */
static inline float shell_wheel_y(const rr_ui_t *ui) { return ui->wheel_y / RR_UI_WHEEL_NOTCH; }
static inline unsigned shell_mods(const rr_ui_t *ui) { return ui->mods; }
static inline bool shell_key(const rr_ui_t *ui, rr_ui_key_t k) { return ui_key(ui, k); }
/* The mouse is over a popup (combo list, menu, palette): views leave it alone. */
static inline bool shell_mouse_over_popup(const rr_ui_t *ui) { return ui->mouse_over_popup || ui->modal_prev; }

/* ---------------- views ---------------- */

typedef struct shell_item {
    char key[320];
    rr_ui_rect_t rect;
} shell_item_t;

typedef struct shell_entity {
    char *path; /* owned text */
    bool hidden;
} shell_entity_t;

typedef struct shell_view {
    rr_view_class_t cls;
    rr_entity_path_t origin; /* owned */
    bool subtree;
    char name[128];
    shell_entity_t *entities; /* owned */
    size_t n_entities;
    bool visible;
    bool shown;
    bool keep; /* still in the blueprint after the last recompute */

    rr_spatial3d_t *s3d;
    rr_timeseries_t *ts;
    rr_spatial2d_t *s2d;
    rr_textlog_t *tlog;
    rr_graph_view_t *graph;
    /* Pan and zoom of the graph and map views over their fitted picture:
     * screen = centre + (fitted - centre) * zoom + pan (points; zoom 0:
     * not touched, 1). */
    float pz_zoom, pz_x, pz_y;
    /* This frame's mouse over them, for the overlay's picking: over the
     * content and not dragging (hover), clicked, where (points). */
    bool pz_hover, pz_clicked;
    float pz_mx, pz_my;
    /* The tensor view's picture of its latest tensor (by its row key), or
     * why there is none. */
    struct rr_gfx_texture *tensor_tex;
    uint64_t tensor_key;
    char tensor_msg[128];
    /* The bar chart's bars (x0, width, value each), decoded from the cells
     * of bars_key, or why there are none. */
    double *bars;
    size_t n_bars;
    uint64_t bars_key;
    char bars_msg[96];
    /* The text log's scroll follows the time cursor: what it followed last. */
    bool tlog_followed;
    int64_t tlog_time;
    size_t tlog_n;
    rr_gfx_target_t *target; /* cached; recreated when the cell changes size */
    int tw, th;              /* its size in pixels */
    rr_camera_t cam;
    bool cam_touched;        /* the user moved the camera: stop fitting new data */
    bool hidden_dirty;       /* the hidden set changed: pass it to the view */
    rr_ui_rect_t tab, content;
    size_t drawables;
} shell_view_t;

struct rr_shell {
    rr_app_t *app;
    rr_gfx_renderer_t *r;
    rr_ui_t *ui;
    rr_ui_gl_t *gl;
    rr_time_panel_t *tp;
    rr_ui_theme_kind_t theme;
    float scale;
    double now, last_now;

    bool show[3];
    float left_w, right_w, bottom_h;
    bool sizes_init;

    /* The blueprint of the active recording, kept in step with its entities. */
    rr_store_t *bp_store;
    size_t bp_entities;
    shell_view_t *views;
    size_t n_views;
    int maximized; /* view index, -1: the grid */

    /* Mouse drags that started in a view belong to it until released. */
    int drag_view, drag_button;
    float press_x, press_y;

    rr_pick_t selection, hover;
    char *sel_text;     /* the selection panel's lines, NUL-separated */
    size_t sel_len, sel_cap;
    const char **sel_lines;
    size_t n_sel_lines, cap_sel_lines;

    rr_shell_layout_t layout;
    shell_item_t *items; /* this frame's clickable rects by key */
    size_t n_items, cap_items;
    bool palette_open;
    bool want_screenshot, want_quit;
    bool repaint;
};

/* shell.c: records a clickable rect under key (rr_shell_item_rect). */
void shell_item(rr_shell_t *s, rr_ui_rect_t r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* shell_views.c */
rr_status_t shell_sync_blueprint(rr_shell_t *s, rr_error_t *err);
void shell_views_free(rr_shell_t *s);
/* Renders view v into its target sized to its content rect; handles the
 * mouse over it (camera, zoom, picking, time from a plot click). */
rr_status_t shell_view_frame(rr_shell_t *s, size_t i, rr_error_t *err);
void shell_view_reset(shell_view_t *v);
/* The shell draws the plot's text (ticks, legend) over its image. */
void shell_view_overlay(rr_shell_t *s, shell_view_t *v);
/* The views the shell draws itself (text, charts, graphs, maps) start on
 * the view background: cleared, and the content rect returned. */
rr_ui_rect_t shell_view_clear(rr_shell_t *s, shell_view_t *v);
/* The hovered and clicked thing of a view (hit false: nothing), as the
 * spatial views report theirs: a tooltip and hover highlight, and the
 * selection on a click (cleared by a click on nothing). */
void shell_pick_result(rr_shell_t *s, bool hovered, bool clicked, bool dragging, const rr_pick_t *hit);
/* A pick of a whole entity (instance: RR_PICK_ALL_INSTANCES for none). */
rr_pick_t shell_entity_pick(const char *entity, uint64_t instance, const char *archetype);
/* A point of v's fitted picture where its pan and zoom put it. */
static inline void shell_view_pz(const shell_view_t *v, float *x, float *y) {
    float z = v->pz_zoom > 0 ? v->pz_zoom : 1;
    float cx = v->content.x + 0.5f * v->content.w, cy = v->content.y + 0.5f * v->content.h;
    *x = cx + (*x - cx) * z + v->pz_x;
    *y = cy + (*y - cy) * z + v->pz_y;
}

/* shell_plot.c: a plot's tick labels and legend names over its image. */
void shell_plot_overlay(rr_shell_t *s, shell_view_t *v);

/* shell_textlog.c: the text log view's table, in the view's content rect. */
void shell_textlog_overlay(rr_shell_t *s, shell_view_t *v);
/* shell_textdoc.c: the text document view's text, in the view's content rect. */
void shell_textdoc_overlay(rr_shell_t *s, shell_view_t *v);
/* shell_barchart.c: the bar chart view's plot, in the view's content rect
 * (sets v->drawables to the bars drawn). */
void shell_barchart_overlay(rr_shell_t *s, shell_view_t *v);
/* shell_graph.c: the graph view's nodes and edges, in the view's content rect. */
void shell_graph_overlay(rr_shell_t *s, shell_view_t *v);
/* shell_map.c: the map view's geospatial data (sets v->drawables). */
void shell_map_overlay(rr_shell_t *s, shell_view_t *v);
/* shell_tensor.c: the tensor view's slice (a texture remade when the
 * tensor changes), and drawing it fitted into the view. */
rr_status_t shell_tensor_frame(rr_shell_t *s, shell_view_t *v, rr_error_t *err);
void shell_tensor_overlay(rr_shell_t *s, shell_view_t *v);

/* shell_select.c */
void shell_selection_build(rr_shell_t *s);
void shell_lines_clear(rr_shell_t *s);
void shell_lines_add(rr_shell_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
