/* The viewer's shell (src/viewer/shell/shell.h) rendered off-screen (EGL on
 * llvmpipe) over recordings the SDK wrote in the test, driven by scripted
 * input: the panels sit where Rerun's defaults put them and the views land
 * in their viewport cells; clicking a recording activates it; a view's and
 * an entity's eye hide them (their pixels vanish); clicking a point in a 3D
 * view selects it and the selection panel names it with its values;
 * clicking in a plot sets the time; a corrupt file shows the red banner;
 * the command palette runs commands. Exits 77 (skip) without EGL / OpenGL
 * ES 3 or without the DejaVu font. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The internal headers first: rerun.h then skips what they declared. */
#include "viewer/app.h"
#include "viewer/gfx/context.h"
#include "viewer/gfx/png.h"
#include "viewer/gfx/renderer.h"
#include "viewer/gfx/image_decode.h"
#include "viewer/shell/shell.h"
#include "viewer/ui/font.h"
#include "viewer/ui/ui.h"
#include "viewer/views/timeseries.h"
#include "rerun.h"
#include "testutil.h"

#define W 1024
#define H 768
#define POINT_COLOR 0xff2020ffu /* pure-ish red: nothing else in the shell is */

static rr_gfx_context_t *g_ctx;
static rr_gfx_renderer_t *g_r;
static rr_ui_font_t *g_font;
static char g_dir[256];
static char g_rec_a[300], g_rec_b[300], g_cut[300], g_more[300];
static double g_now;

/* ---------------- recordings ---------------- */

/* Three big red points on the X axis at x = -1, 0, 1 (static), and a
 * scalar plot /plot/a over frames 0..9 of timeline "frame". */
static void write_recording(const char *path, const char *app_id, const char *rec_id) {
    rr_recording_options_t opts = {.recording_id = rec_id};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new(app_id, &opts, &rec, &err), &err);
    assert_rr_ok(rr_save(rec, path, &err), &err);
    for (int f = 0; f < 10; f++) {
        rr_set_time_sequence(rec, "frame", f);
        const rr_position3d_t pos[3] = {{-1, 0, 0}, {0, 0, 0}, {1, 0, 0}};
        const rr_radius_t radii[1] = {0.2f};
        const rr_color_t colors[1] = {POINT_COLOR};
        rr_archetype_t *a = NULL;
        assert_rr_ok(rr_points3d_new(&a, pos, 3, RR_COPY, &err), &err);
        assert_rr_ok(rr_points3d_set_radii(a, radii, 1, RR_COPY, &err), &err);
        assert_rr_ok(rr_points3d_set_colors(a, colors, 1, RR_COPY, &err), &err);
        assert_rr_ok(rr_log(rec, "world/points", a, &err), &err);
        rr_archetype_free(a);
        const rr_scalar_t v[1] = {f * 0.5};
        assert_rr_ok(rr_scalars_new(&a, v, 1, RR_COPY, &err), &err);
        assert_rr_ok(rr_log(rec, "plot/a", a, &err), &err);
        rr_archetype_free(a);
    }
    assert_rr_ok(rr_flush(rec, &err), &err);
    rr_recording_stream_free(rec);
}

static int setup(void **state) {
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/test_viewer_shell.XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_rec_a, sizeof g_rec_a, "%s/a.rrd", g_dir);
    snprintf(g_rec_b, sizeof g_rec_b, "%s/b.rrd", g_dir);
    snprintf(g_cut, sizeof g_cut, "%s/cut.rrd", g_dir);
    write_recording(g_rec_a, "shell_app_a", "rec_a");
    write_recording(g_rec_b, "shell_app_b", "rec_b");
    /* More of recording rec_a: a new entity under the 3D view. */
    snprintf(g_more, sizeof g_more, "%s/more.rrd", g_dir);
    {
        rr_recording_options_t opts = {.recording_id = "rec_a"};
        rr_recording_stream_t *rec = NULL;
        rr_error_t err = {0};
        if (rr_recording_stream_new("shell_app_a", &opts, &rec, &err) != RR_OK || rr_save(rec, g_more, &err) != RR_OK)
            return -1;
        rr_set_time_sequence(rec, "frame", 5);
        const rr_position3d_t pos[1] = {{0, 1, 0}};
        rr_archetype_t *a = NULL;
        if (rr_points3d_new(&a, pos, 1, RR_COPY, &err) != RR_OK || rr_log(rec, "world/extra", a, &err) != RR_OK) return -1;
        rr_archetype_free(a);
        rr_recording_stream_free(rec);
    }
    /* The first recording cut in the middle of a message. */
    size_t len = 0;
    uint8_t *bytes = rr_test_read_file(g_rec_a, &len);
    if (!bytes || len < 200) return -1;
    FILE *f = fopen(g_cut, "wb");
    if (!f) return -1;
    fwrite(bytes, 1, len * 2 / 3, f);
    fclose(f);
    free(bytes);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---------------- harness ---------------- */

typedef struct fixture {
    rr_app_t *app;
    rr_ui_t *ui;
    rr_shell_t *shell;
    rr_gfx_target_t *target;
    uint8_t *px;
} fixture_t;

static void open_fixture(fixture_t *fx, const char *const *files, size_t n) {
    rr_error_t err = {0};
    memset(fx, 0, sizeof *fx);
    rr_app_config_t cfg = {0};
    assert_rr_ok(rr_app_new(&cfg, &fx->app, &err), &err);
    for (size_t i = 0; i < n; i++) assert_rr_ok(rr_app_open_file(fx->app, files[i], &err), &err);
    assert_true(rr_app_wait_loaded(fx->app, 20000));
    rr_app_update(fx->app, -1);
    assert_rr_ok(rr_ui_new(g_font, &fx->ui, &err), &err);
    assert_rr_ok(rr_shell_new(fx->app, g_r, fx->ui, &fx->shell, &err), &err);
    assert_rr_ok(rr_gfx_target_new(g_r, W, H, 1, &fx->target, &err), &err);
    fx->px = malloc((size_t)W * H * 4);
    assert_non_null(fx->px);
}

static void close_fixture(fixture_t *fx) {
    rr_shell_free(fx->shell);
    rr_ui_free(fx->ui);
    rr_gfx_target_free(fx->target);
    rr_app_free(fx->app);
    free(fx->px);
}

/* One frame, rendered and read back into fx->px. */
static void frame(fixture_t *fx) {
    rr_error_t err = {0};
    g_now += 1.0 / 60;
    rr_app_update(fx->app, -1);
    assert_rr_ok(rr_shell_frame(fx->shell, W, H, 1, g_now, &err), &err);
    rr_mat4_t id = rr_mat4_identity();
    const float clear[4] = {1, 0, 1, 1};
    rr_gfx_begin(g_r, fx->target, &id, &id, clear);
    assert_rr_ok(rr_shell_render(fx->shell, W, H, &err), &err);
    assert_rr_ok(rr_gfx_end(g_r, &err), &err);
    assert_rr_ok(rr_gfx_target_read_rgba(fx->target, fx->px, &err), &err);
}

/* Writes the last frame to $RR_BUILD_DIR/name (or the current directory)
 * for people to look at. */
static void save_png(const fixture_t *fx, const char *name) {
    const char *dir = getenv("RR_BUILD_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : ".", name);
    rr_error_t err = {0};
    assert_rr_ok(rr_png_write_rgba(path, W, H, fx->px, &err), &err);
}

static void click_at(fixture_t *fx, float x, float y) {
    rr_ui_input_mouse_pos(fx->ui, x, y);
    frame(fx);
    rr_ui_input_mouse_button(fx->ui, RR_UI_MOUSE_LEFT, true);
    frame(fx);
    rr_ui_input_mouse_button(fx->ui, RR_UI_MOUSE_LEFT, false);
    frame(fx);
    frame(fx); /* the frame after the click shows its effect */
}

static void click_item(fixture_t *fx, const char *key) {
    rr_ui_rect_t r;
    if (!rr_shell_item_rect(fx->shell, key, &r)) fail_msg("no item '%s' in the last frame", key);
    click_at(fx, r.x + r.w * 0.5f, r.y + r.h * 0.5f);
}

/* The points' flat red exactly (the X axis is a darker red). */
static bool is_point_color(const uint8_t *p) {
    return p[0] >= 245 && p[1] >= 22 && p[1] <= 42 && p[2] >= 22 && p[2] <= 42;
}

/* Pixels of the points' red inside r. */
static int count_red(const fixture_t *fx, rr_ui_rect_t r) {
    int n = 0;
    for (int y = (int)r.y; y < (int)(r.y + r.h) && y < H; y++)
        for (int x = (int)r.x; x < (int)(r.x + r.w) && x < W; x++)
            n += is_point_color(fx->px + ((size_t)y * W + (size_t)x) * 4);
    return n;
}

static bool inside(rr_ui_rect_t in, rr_ui_rect_t out) {
    return in.x >= out.x - 0.5f && in.y >= out.y - 0.5f && in.x + in.w <= out.x + out.w + 0.5f &&
           in.y + in.h <= out.y + out.h + 0.5f;
}

static int find_view(const fixture_t *fx, rr_view_class_t cls, rr_shell_view_info_t *out) {
    for (size_t i = 0; i < rr_shell_num_views(fx->shell); i++) {
        rr_shell_view_info(fx->shell, i, out);
        if (out->cls == cls) return (int)i;
    }
    fail_msg("no view of class %s", rr_view_class_name(cls));
    return -1;
}

static bool lines_contain(const fixture_t *fx, const char *needle) {
    const char *const *lines;
    size_t n = rr_shell_selection_lines(fx->shell, &lines);
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], needle)) return true;
    return false;
}

static void print_lines(const fixture_t *fx) {
    const char *const *lines;
    size_t n = rr_shell_selection_lines(fx->shell, &lines);
    for (size_t i = 0; i < n; i++) printf("  selection: %s\n", lines[i]);
}

/* ---------------- tests ---------------- */

static void test_layout_and_cells(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    frame(&fx);
    save_png(&fx, "shell_layout.png");
    rr_shell_layout_t l;
    rr_shell_layout(fx.shell, &l);
    /* Rerun's defaults at 1024 x 768: top bar 28, blueprint panel
     * min(0.35 w, 200), selection panel min(0.45 w, 300), time panel
     * clamp(0.25 h, 150, 250). */
    assert_float_equal(l.top_bar.h, 28, 0.01);
    assert_float_equal(l.banner.h, 0, 0.01);
    assert_float_equal(l.left.w, 200, 0.01);
    assert_float_equal(l.right.w, 300, 0.01);
    assert_float_equal(l.bottom.h, 192, 0.01);
    assert_float_equal(l.viewport.x, 200, 0.01);
    assert_float_equal(l.viewport.y, 28, 0.01);
    assert_float_equal(l.viewport.w, W - 500, 0.01);
    assert_float_equal(l.viewport.h, H - 28 - 192, 0.01);
    /* A 3D view and a plot, side by side in the viewport, not overlapping. */
    assert_int_equal(rr_shell_num_views(fx.shell), 2);
    rr_shell_view_info_t v3, vt;
    find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    find_view(&fx, RR_VIEW_TIMESERIES, &vt);
    assert_true(v3.shown && vt.shown);
    assert_true(inside(v3.content, l.viewport) && inside(vt.content, l.viewport));
    assert_true(inside(v3.tab, l.viewport));
    assert_float_equal(v3.content.y, v3.tab.y + v3.tab.h, 0.01);
    assert_true(v3.content.x + v3.content.w <= vt.content.x || vt.content.x + vt.content.w <= v3.content.x);
    assert_true(v3.content.w > 200 && v3.content.h > 200);
    /* The points' red is inside the 3D view's cell and nowhere else. */
    int in3 = count_red(&fx, v3.content);
    rr_ui_rect_t all = {0, 0, W, H};
    assert_true(in3 > 100);
    assert_int_equal(count_red(&fx, all), in3);
    assert_true(v3.drawables >= 1);
    assert_int_equal(vt.drawables, 1);
    /* The top bar names the application; the debug JSON lists the views. */
    char json[2048];
    rr_shell_debug_json(fx.shell, json, sizeof json);
    assert_non_null(strstr(json, "\"class\":\"Spatial3D\""));
    assert_non_null(strstr(json, "\"origin\":\"/plot/a\""));
    close_fixture(&fx);
}

static void test_click_recording(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a, g_rec_b};
    open_fixture(&fx, files, 2);
    rr_app_set_active_store(fx.app, rr_store_set_get(rr_app_stores(fx.app), 0));
    frame(&fx);
    const char *first = rr_store_store_id(rr_app_active_store(fx.app))->recording_id;
    const char *other = !strcmp(first, "rec_a") ? "rec_b" : "rec_a";
    char key[64];
    snprintf(key, sizeof key, "recording:%s", other);
    rr_ui_rect_t ra, rb;
    assert_true(rr_shell_item_rect(fx.shell, "recording:rec_a", &ra));
    assert_true(rr_shell_item_rect(fx.shell, "recording:rec_b", &rb));
    assert_true(inside(ra, (rr_ui_rect_t){0, 28, 200, H}));
    click_item(&fx, key);
    assert_string_equal(rr_store_store_id(rr_app_active_store(fx.app))->recording_id, other);
    /* The views follow the new recording. */
    assert_int_equal(rr_shell_num_views(fx.shell), 2);
    close_fixture(&fx);
}

static void test_view_eye_and_maximize(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    rr_shell_view_info_t v3;
    int i3 = find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    assert_true(count_red(&fx, v3.content) > 100);
    char key[64];
    snprintf(key, sizeof key, "view_eye:%d", i3);
    click_item(&fx, key);
    rr_shell_view_info(fx.shell, (size_t)i3, &v3);
    assert_false(v3.visible);
    assert_false(v3.shown);
    rr_ui_rect_t all = {0, 0, W, H};
    assert_int_equal(count_red(&fx, all), 0);
    /* The plot now has the whole viewport. */
    rr_shell_view_info_t vt;
    int it = find_view(&fx, RR_VIEW_TIMESERIES, &vt);
    rr_shell_layout_t l;
    rr_shell_layout(fx.shell, &l);
    assert_float_equal(vt.content.w, l.viewport.w, 0.01);
    click_item(&fx, key);
    rr_shell_view_info(fx.shell, (size_t)i3, &v3);
    assert_true(v3.shown);
    assert_true(count_red(&fx, v3.content) > 100);
    /* Maximize the 3D view: the plot is not shown; again restores. */
    snprintf(key, sizeof key, "maximize:%d", i3);
    click_item(&fx, key);
    rr_shell_view_info(fx.shell, (size_t)it, &vt);
    rr_shell_view_info(fx.shell, (size_t)i3, &v3);
    assert_false(vt.shown);
    assert_float_equal(v3.content.w, l.viewport.w, 0.01);
    click_item(&fx, key);
    rr_shell_view_info(fx.shell, (size_t)it, &vt);
    assert_true(vt.shown);
    close_fixture(&fx);
}

static void test_entity_row_selects(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    rr_shell_view_info_t v3;
    int i3 = find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    char key[128];
    snprintf(key, sizeof key, "entity:%d:/world/points", i3);
    click_item(&fx, key);
    assert_true(rr_shell_selection(fx.shell)->hit);
    assert_string_equal(rr_shell_selection(fx.shell)->entity, "/world/points");
    print_lines(&fx);
    const char *const *lines;
    assert_true(rr_shell_selection_lines(fx.shell, &lines) >= 3);
    assert_string_equal(lines[0], "/world/points");
    assert_true(lines_contain(&fx, "Points3D:positions: [-1, 0, 0], [0, 0, 0], [1, 0, 0]"));
    assert_true(lines_contain(&fx, "Points3D:radii: 0.2"));
    /* Escape clears it. */
    rr_ui_input_key(fx.ui, RR_UI_KEY_ESCAPE, true);
    rr_ui_input_key(fx.ui, RR_UI_KEY_ESCAPE, false);
    frame(&fx);
    assert_false(rr_shell_selection(fx.shell)->hit);
    close_fixture(&fx);
}

static void test_entity_eye_hides_pixels(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    rr_shell_view_info_t v3;
    int i3 = find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    assert_true(count_red(&fx, v3.content) > 100);
    char key[128];
    snprintf(key, sizeof key, "entity_eye:%d:/world/points", i3);
    click_item(&fx, key);
    rr_shell_view_info(fx.shell, (size_t)i3, &v3);
    assert_true(v3.shown);
    assert_int_equal(count_red(&fx, v3.content), 0);
    assert_int_equal(v3.drawables, 0);
    /* The plot's entity is another view's: still drawn. */
    rr_shell_view_info_t vt;
    find_view(&fx, RR_VIEW_TIMESERIES, &vt);
    assert_int_equal(vt.drawables, 1);
    click_item(&fx, key);
    assert_true(count_red(&fx, v3.content) > 100);
    /* Hiding the plot's entity empties its plot. */
    int it = find_view(&fx, RR_VIEW_TIMESERIES, &vt);
    snprintf(key, sizeof key, "entity_eye:%d:/plot/a", it);
    click_item(&fx, key);
    rr_shell_view_info(fx.shell, (size_t)it, &vt);
    assert_int_equal(vt.drawables, 0);
    close_fixture(&fx);
}

/* The red pixel nearest to the centre of r. */
static bool nearest_red(const fixture_t *fx, rr_ui_rect_t r, float *ox, float *oy) {
    float cx = r.x + r.w * 0.5f, cy = r.y + r.h * 0.5f, best = INFINITY;
    for (int y = (int)r.y; y < (int)(r.y + r.h); y++)
        for (int x = (int)r.x; x < (int)(r.x + r.w); x++) {
            if (!is_point_color(fx->px + ((size_t)y * W + (size_t)x) * 4)) continue;
            float d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            if (d < best) best = d, *ox = (float)x + 0.5f, *oy = (float)y + 0.5f;
        }
    return best < INFINITY;
}

static void test_click_point_selects(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    rr_shell_view_info_t v3;
    find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    float x = 0, y = 0;
    assert_true(nearest_red(&fx, v3.content, &x, &y));
    /* Hovering names it. */
    rr_ui_input_mouse_pos(fx.ui, x, y);
    frame(&fx);
    frame(&fx);
    const rr_pick_t *h = rr_shell_hover(fx.shell);
    assert_true(h->hit);
    assert_string_equal(h->entity, "/world/points");
    click_at(&fx, x, y);
    const rr_pick_t *sel = rr_shell_selection(fx.shell);
    assert_true(sel->hit);
    assert_string_equal(sel->entity, "/world/points");
    assert_true(sel->instance < 3);
    print_lines(&fx);
    char want[96];
    snprintf(want, sizeof want, "/world/points[%llu]", (unsigned long long)sel->instance);
    const char *const *lines;
    assert_true(rr_shell_selection_lines(fx.shell, &lines) >= 2);
    assert_string_equal(lines[0], want);
    static const char *const pos[3] = {"[-1, 0, 0]", "[0, 0, 0]", "[1, 0, 0]"};
    snprintf(want, sizeof want, "Points3D:positions: %s", pos[sel->instance]);
    assert_true(lines_contain(&fx, want));
    /* The instance's own value only, not the batch. */
    assert_false(lines_contain(&fx, "total"));
    /* Clicking empty space clears the selection, as in Rerun. */
    click_at(&fx, v3.content.x + 12, v3.content.y + v3.content.h - 12); /* clear of the panels' grips */
    if (rr_shell_selection(fx.shell)->hit) print_lines(&fx);
    assert_false(rr_shell_selection(fx.shell)->hit);
    close_fixture(&fx);
}

/* The blueprint follows new entities; what the user hid stays hidden. */
static void test_blueprint_keeps_user_changes(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    rr_shell_view_info_t v3;
    int i3 = find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    char key[128];
    snprintf(key, sizeof key, "entity_eye:%d:/world/points", i3);
    click_item(&fx, key);
    assert_int_equal(count_red(&fx, v3.content), 0);
    assert_false(rr_shell_item_rect(fx.shell, "entity:0:/world/extra", &(rr_ui_rect_t){0}));
    rr_error_t err = {0};
    assert_rr_ok(rr_app_open_file(fx.app, g_more, &err), &err);
    assert_true(rr_app_wait_loaded(fx.app, 20000));
    frame(&fx);
    frame(&fx);
    i3 = find_view(&fx, RR_VIEW_SPATIAL3D, &v3);
    snprintf(key, sizeof key, "entity:%d:/world/extra", i3);
    rr_ui_rect_t r;
    assert_true(rr_shell_item_rect(fx.shell, key, &r));
    assert_int_equal(count_red(&fx, v3.content), 0); /* /world/points still hidden */
    assert_int_equal(v3.drawables, 1);                /* /world/extra drawn */
    close_fixture(&fx);
}

static void test_plot_click_sets_time(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    assert_string_equal(rr_app_timeline(fx.app), "frame");
    assert_int_equal(rr_app_time(fx.app), 9);
    rr_shell_view_info_t vt;
    find_view(&fx, RR_VIEW_TIMESERIES, &vt);
    /* The plot spans frames 0..9 across its plot rect: a click a little
     * left of the middle lands on an early frame. */
    rr_ts_rect_t pr = rr_timeseries_plot_rect((int)vt.content.w, (int)vt.content.h);
    float x = vt.content.x + pr.x + pr.w * 0.3f, y = vt.content.y + pr.y + pr.h * 0.5f;
    click_at(&fx, x, y);
    int64_t t = rr_app_time(fx.app);
    printf("plot click at 30%% -> frame %lld\n", (long long)t);
    assert_true(t >= 2 && t <= 4);
    assert_false(rr_app_playing(fx.app));
    close_fixture(&fx);
}

static void test_corrupt_file_banner(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_cut};
    open_fixture(&fx, files, 1);
    frame(&fx);
    save_png(&fx, "shell_banner.png");
    assert_true(rr_app_num_errors(fx.app) > 0);
    rr_shell_layout_t l;
    rr_shell_layout(fx.shell, &l);
    assert_true(l.banner.h > 10);
    assert_float_equal(l.banner.y, 28, 0.01);
    /* The strip is red, under the top bar, and the panels start below it. */
    const uint8_t *p = fx.px + ((size_t)(l.banner.y + l.banner.h - 3) * W + (size_t)(W - 40)) * 4;
    assert_true(p[0] > 150 && p[1] < 80 && p[2] < 80);
    assert_float_equal(l.viewport.y, l.banner.y + l.banner.h, 0.01);
    close_fixture(&fx);
}

static void test_palette_and_keys(void **state) {
    (void)state;
    fixture_t fx;
    const char *files[] = {g_rec_a};
    open_fixture(&fx, files, 1);
    frame(&fx);
    assert_true(rr_shell_panel_shown(fx.shell, RR_SHELL_PANEL_BOTTOM));
    rr_ui_input_modifiers(fx.ui, RR_UI_MOD_CTRL);
    rr_ui_input_key(fx.ui, RR_UI_KEY_P, true);
    rr_ui_input_key(fx.ui, RR_UI_KEY_P, false);
    frame(&fx);
    rr_ui_input_modifiers(fx.ui, 0);
    rr_ui_input_text(fx.ui, "time panel");
    frame(&fx);
    save_png(&fx, "shell_palette.png");
    rr_ui_input_key(fx.ui, RR_UI_KEY_ENTER, true);
    rr_ui_input_key(fx.ui, RR_UI_KEY_ENTER, false);
    frame(&fx);
    frame(&fx);
    assert_false(rr_shell_panel_shown(fx.shell, RR_SHELL_PANEL_BOTTOM));
    rr_shell_layout_t l;
    rr_shell_layout(fx.shell, &l);
    assert_float_equal(l.viewport.h, H - 28, 0.01);
    /* Space plays, left steps back (and pauses). */
    rr_ui_input_key(fx.ui, RR_UI_KEY_SPACE, true);
    rr_ui_input_key(fx.ui, RR_UI_KEY_SPACE, false);
    frame(&fx);
    assert_true(rr_app_playing(fx.app));
    rr_ui_input_key(fx.ui, RR_UI_KEY_LEFT, true);
    rr_ui_input_key(fx.ui, RR_UI_KEY_LEFT, false);
    frame(&fx);
    assert_false(rr_app_playing(fx.app));
    close_fixture(&fx);
}

/* A recording for one test, saved to $g_dir/name.rrd (path_out gets the
 * path, at least 300 bytes): log into it, then close_recording. */
static rr_recording_stream_t *open_recording(const char *name, char *path_out) {
    snprintf(path_out, 300, "%s/%s.rrd", g_dir, name);
    char rec_id[64];
    snprintf(rec_id, sizeof rec_id, "rec_%s", name);
    rr_recording_options_t opts = {.recording_id = rec_id};
    rr_recording_stream_t *rec = NULL;
    rr_error_t err = {0};
    assert_rr_ok(rr_recording_stream_new("shell_test", &opts, &rec, &err), &err);
    assert_rr_ok(rr_save(rec, path_out, &err), &err);
    return rec;
}

static void close_recording(rr_recording_stream_t *rec) {
    rr_error_t err = {0};
    assert_rr_ok(rr_flush(rec, &err), &err);
    rr_recording_stream_free(rec);
}

/* Closes rec, opens the shell on its file, lays it out and finds the view
 * of class cls (into *v). */
static void shell_on(fixture_t *fx, rr_recording_stream_t *rec, const char *path, rr_view_class_t cls,
                     rr_shell_view_info_t *v) {
    close_recording(rec);
    const char *files[] = {path};
    open_fixture(fx, files, 1);
    frame(fx);
    frame(fx);
    find_view(fx, cls, v);
}

/* The graph view pans with a drag, zooms about the mouse with the wheel
 * and resets with a double click: two green dots, 100 units apart. */
static bool is_green(const uint8_t *p) { return p[0] < 40 && p[1] > 200 && p[2] < 40; }

/* The green pixels' count and mean x in r. */
static int green_x(const fixture_t *fx, rr_ui_rect_t r, float *mean_x, float *min_x, float *max_x) {
    int n = 0;
    double sum = 0;
    *min_x = 1e9f, *max_x = -1e9f;
    for (int y = (int)r.y; y < (int)(r.y + r.h) && y < H; y++)
        for (int x = (int)r.x; x < (int)(r.x + r.w) && x < W; x++)
            if (is_green(fx->px + ((size_t)y * W + (size_t)x) * 4)) {
                n++, sum += x;
                if (x < *min_x) *min_x = (float)x;
                if (x > *max_x) *max_x = (float)x;
            }
    *mean_x = n ? (float)(sum / n) : 0;
    return n;
}

static void test_graph_pan_zoom(void **state) {
    (void)state;
    char path[300];
    rr_error_t err = {0};
    rr_recording_stream_t *rec = open_recording("graph", path);
    const rr_graph_node_t ids[2] = {"a", "b"};
    const rr_position2d_t pos[2] = {{0, 0}, {100, 0}};
    const rr_color_t green = 0x00ff00ffu;
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_graph_nodes_new(&a, ids, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_graph_nodes_set_positions(a, pos, 2, RR_COPY, &err), &err);
    assert_rr_ok(rr_graph_nodes_set_colors(a, &green, 1, RR_COPY, &err), &err);
    assert_rr_ok(rr_log_static(rec, "g", a, &err), &err);
    rr_archetype_free(a);
    fixture_t fx;
    rr_shell_view_info_t v;
    shell_on(&fx, rec, path, RR_VIEW_GRAPH, &v);
    float m0, lo0, hi0, m, lo, hi;
    assert_true(green_x(&fx, v.content, &m0, &lo0, &hi0) > 10);
    /* The wheel at the view's centre, zooming out: the dots come closer
     * (fitted to the view's width, they start at its edges). */
    float cx = v.content.x + v.content.w * 0.5f, cy = v.content.y + v.content.h * 0.5f + 30;
    rr_ui_input_mouse_pos(fx.ui, cx, cy);
    frame(&fx);
    rr_ui_input_wheel(fx.ui, 0, -3 * RR_UI_WHEEL_NOTCH);
    frame(&fx);
    frame(&fx);
    assert_true(green_x(&fx, v.content, &m, &lo, &hi) > 10);
    float want = (hi0 - lo0) / (1.1f * 1.1f * 1.1f);
    if (fabsf((hi - lo) - want) > 3) fail_msg("zoomed out: dots %g apart, want about %g", hi - lo, want);
    /* A drag of 40 points to the right moves both. */
    float mz = m;
    rr_ui_input_mouse_button(fx.ui, RR_UI_MOUSE_LEFT, true);
    frame(&fx);
    for (int k = 1; k <= 4; k++) {
        rr_ui_input_mouse_pos(fx.ui, cx + 10.0f * (float)k, cy);
        frame(&fx);
    }
    rr_ui_input_mouse_button(fx.ui, RR_UI_MOUSE_LEFT, false);
    frame(&fx);
    frame(&fx);
    green_x(&fx, v.content, &m, &lo, &hi);
    if (fabsf(m - (mz + 40)) > 1.5f) fail_msg("after the drag the dots' mean x is %g, want %g", m, mz + 40);
    /* A double click puts everything back. */
    rr_ui_input_mouse_pos(fx.ui, cx, cy);
    frame(&fx);
    for (int k = 0; k < 2; k++) {
        rr_ui_input_mouse_button(fx.ui, RR_UI_MOUSE_LEFT, true);
        frame(&fx);
        rr_ui_input_mouse_button(fx.ui, RR_UI_MOUSE_LEFT, false);
        frame(&fx);
    }
    frame(&fx);
    green_x(&fx, v.content, &m, &lo, &hi);
    if (fabsf(m - m0) > 0.5f || fabsf((hi - lo) - (hi0 - lo0)) > 1.5f)
        fail_msg("after the double click: mean x %g span %g, want %g and %g", m, hi - lo, m0, hi0 - lo0);
    /* A click on a node selects its entity; one on nothing clears it. */
    float dot_y = -1;
    for (int y = (int)v.content.y; y < (int)(v.content.y + v.content.h) && dot_y < 0; y++)
        if (is_green(fx.px + ((size_t)y * W + (size_t)(lo + 2)) * 4)) dot_y = (float)y + 2;
    assert_true(dot_y > 0);
    click_at(&fx, lo + 3, dot_y);
    assert_true(rr_shell_selection(fx.shell)->hit);
    assert_string_equal(rr_shell_selection(fx.shell)->entity, "/g");
    click_at(&fx, cx, v.content.y + 20);
    assert_false(rr_shell_selection(fx.shell)->hit);
    close_fixture(&fx);
}

/* A click on a text log row's entity path selects the entity. */
static void test_textlog_select(void **state) {
    (void)state;
    char path[300];
    rr_error_t err = {0};
    rr_recording_stream_t *rec = open_recording("log", path);
    rr_set_time_sequence(rec, "frame", 1);
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_text_log_new(&a, "hello", RR_COPY, &err), &err);
    assert_rr_ok(rr_log(rec, "logs/robot", a, &err), &err);
    rr_archetype_free(a);
    fixture_t fx;
    rr_shell_view_info_t v;
    shell_on(&fx, rec, path, RR_VIEW_TEXTLOG, &v);
    assert_int_equal(v.drawables, 1);
    /* The table: 8 points in, the "frame" column as wide as its header
     * (wider than "#1") and 8 more, then the entity path; the header row,
     * then the entry. */
    float row_h = rr_ui_row_height(fx.ui);
    float x = v.content.x + 8 + rr_ui_text_width(fx.ui, "frame") + 8 + 10;
    float y = v.content.y + 4 + row_h * 1.5f;
    assert_false(rr_shell_selection(fx.shell)->hit);
    click_at(&fx, x, y);
    assert_true(rr_shell_selection(fx.shell)->hit);
    assert_string_equal(rr_shell_selection(fx.shell)->entity, "/logs/robot");
    close_fixture(&fx);
}

/* The tensor view: a 2 x 2 tensor 0, 1 / 2, 3 as four Viridis squares,
 * the first row on top, fitted square in the middle of the view. */
static void test_tensor_view(void **state) {
    (void)state;
    char path[300];
    rr_error_t err = {0};
    rr_recording_stream_t *rec = open_recording("tensor", path);
    const uint8_t vals[4] = {0, 1, 2, 3};
    const uint64_t shape[2] = {2, 2};
    rr_tensor_data_t t = {0};
    t.shape.data = shape;
    t.shape.count = 2;
    t.buffer.kind = RR_TENSOR_BUFFER_U8;
    t.buffer.data = vals;
    t.buffer.count = 4;
    rr_archetype_t *a = NULL;
    assert_rr_ok(rr_tensor_new(&a, &t, RR_COPY, &err), &err);
    assert_rr_ok(rr_log_static(rec, "t", a, &err), &err);
    rr_archetype_free(a);
    fixture_t fx;
    rr_shell_view_info_t v;
    shell_on(&fx, rec, path, RR_VIEW_TENSOR, &v);
    assert_int_equal(v.drawables, 1);
    float side = fminf(v.content.w, v.content.h) - 16;
    float x0 = v.content.x + (v.content.w - side) * 0.5f, y0 = v.content.y + (v.content.h - side) * 0.5f;
    for (int k = 0; k < 4; k++) {
        int px = (int)(x0 + side * (0.25f + 0.5f * (float)(k % 2))), py = (int)(y0 + side * (0.25f + 0.5f * (float)(k / 2)));
        uint32_t want = rr_colormap_rgba(6, (float)k / 3.0f);
        const uint8_t *p = fx.px + ((size_t)py * W + (size_t)px) * 4;
        for (int ch = 0; ch < 3; ch++)
            if (abs((int)p[ch] - (int)((want >> (24 - 8 * ch)) & 0xff)) > 3)
                fail_msg("cell %d at (%d, %d): %d %d %d, want %08x", k, px, py, p[0], p[1], p[2], want);
    }
    close_fixture(&fx);
}

int main(void) {
    rr_error_t err = {0};
    if (rr_gfx_context_new_headless(&g_ctx, &err) != RR_OK) {
        printf("skipping: no headless OpenGL ES 3 context: %s\n", err.msg);
        return 77;
    }
    if (rr_ui_font_load(rr_ui_font_default_path(), 13, 1, &g_font, &err) != RR_OK) {
        printf("skipping: %s\n", err.msg);
        rr_gfx_context_free(g_ctx);
        return 77;
    }
    if (rr_gfx_renderer_new(&g_r, &err) != RR_OK) {
        fprintf(stderr, "renderer: %s\n", err.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_cells),
        cmocka_unit_test(test_click_recording),
        cmocka_unit_test(test_view_eye_and_maximize),
        cmocka_unit_test(test_entity_row_selects),
        cmocka_unit_test(test_entity_eye_hides_pixels),
        cmocka_unit_test(test_click_point_selects),
        cmocka_unit_test(test_blueprint_keeps_user_changes),
        cmocka_unit_test(test_plot_click_sets_time),
        cmocka_unit_test(test_corrupt_file_banner),
        cmocka_unit_test(test_palette_and_keys),
        cmocka_unit_test(test_graph_pan_zoom),
        cmocka_unit_test(test_tensor_view),
        cmocka_unit_test(test_textlog_select),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    rr_gfx_renderer_free(g_r);
    rr_ui_font_free(g_font);
    rr_gfx_context_free(g_ctx);
    return rc;
}
