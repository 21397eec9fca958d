/* Tests of the archetype container (rr_archetype_*): batches added, replaced
 * by component name, empty batches of flat and nested types, ownership on
 * failure (inputs released), wrong arguments that must fail cleanly, and
 * containers reused after free (a spare per thread, freed at thread exit:
 * LeakSanitizer checks). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arrow/array.h"
#include "arrow/builder.h"
#include "arrow/schema.h"
#include "arrow/validate.h"
#include "sdk/sdk_internal.h"
#include "testutil.h"

/* A FixedSizeList(3, float32) of n points (Position3D's datatype). */
static void points(struct ArrowSchema *s, struct ArrowArray *a, const float *xyz, int64_t n) {
    rr_error_t err = {0};
    assert_rr_ok(rr_arrow_schema_init(s, "+w:3", "", ARROW_FLAG_NULLABLE, 1, &err), &err);
    assert_rr_ok(rr_arrow_schema_init(s->children[0], "f", "item", ARROW_FLAG_NULLABLE, 0, &err),
                 &err);
    rr_arrow_builder_t *b;
    assert_rr_ok(rr_arrow_builder_new(s, &b, &err), &err);
    for (int64_t i = 0; i < n; i++) {
        assert_rr_ok(rr_arrow_builder_append_values(rr_arrow_builder_child(b, 0), xyz + 3 * i, 3,
                                                    NULL, &err),
                     &err);
        assert_rr_ok(rr_arrow_builder_finish_element(b, &err), &err);
    }
    assert_rr_ok(rr_arrow_builder_finish(b, a, &err), &err);
    rr_arrow_builder_free(b);
}

static const rr_component_descriptor_t k_pos = {
    (char *)"rerun.archetypes.Points3D", (char *)"Points3D:positions",
    (char *)"rerun.components.Position3D"};

static void test_add_replace(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_archetype_t *a;
    assert_rr_ok(rr_archetype_new("rerun.archetypes.Points3D", &a, &err), &err);
    float xyz[6] = {1, 2, 3, 4, 5, 6};
    struct ArrowSchema s;
    struct ArrowArray arr;
    points(&s, &arr, xyz, 2);
    assert_rr_ok(rr_archetype_add_arrow(a, &k_pos, &s, &arr, &err), &err);
    assert_null(s.release);
    assert_null(arr.release);
    assert_int_equal(rr_archetype_num_batches(a), 1);
    assert_int_equal(rr_archetype_batch_length(a, 0), 2);
    assert_int_equal(a->batches[0].cell->bytes, 24);
    /* Same component again: replaced. */
    points(&s, &arr, xyz, 1);
    assert_rr_ok(rr_archetype_add_arrow(a, &k_pos, &s, &arr, &err), &err);
    assert_int_equal(rr_archetype_num_batches(a), 1);
    assert_int_equal(rr_archetype_batch_length(a, 0), 1);
    assert_int_equal(rr_archetype_batch_length(a, 1), -1);
    /* A second component, empty: clears it. */
    rr_component_descriptor_t radii = {(char *)"rerun.archetypes.Points3D",
                                       (char *)"Points3D:radii", (char *)"rerun.components.Radius"};
    assert_rr_ok(rr_archetype_add_empty(a, &radii, "f", &err), &err);
    assert_int_equal(rr_archetype_num_batches(a), 2);
    assert_int_equal(rr_archetype_batch_length(a, 1), 0);
    assert_string_equal(a->batches[1].schema.format, "f");
    rr_archetype_free(a);
    rr_archetype_free(NULL);
}

static void test_empty_nested(void **state) {
    (void)state;
    rr_error_t err = {0};
    rr_archetype_t *a;
    assert_rr_ok(rr_archetype_new(NULL, &a, &err), &err);
    /* A nested format alone is refused with a hint. */
    assert_int_equal(rr_archetype_add_empty(a, &k_pos, "+w:3", &err), RR_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "rr_archetype_add_empty_like"));
    struct ArrowSchema s;
    struct ArrowArray arr;
    points(&s, &arr, NULL, 0);
    assert_rr_ok(rr_archetype_add_empty_like(a, &k_pos, &s, &err), &err);
    assert_non_null(s.release); /* the caller keeps it */
    assert_rr_ok(rr_arrow_validate(&a->batches[0].schema, &a->batches[0].cell->array, &err), &err);
    assert_int_equal(rr_archetype_batch_length(a, 0), 0);
    rr_arrow_schema_release(&s);
    rr_arrow_array_release(&arr);
    /* Strings need their one offset. */
    rr_component_descriptor_t text = {NULL, (char *)"TextLog:text", NULL};
    assert_rr_ok(rr_archetype_add_empty(a, &text, "u", &err), &err);
    assert_rr_ok(rr_arrow_validate(&a->batches[1].schema, &a->batches[1].cell->array, &err), &err);
    rr_archetype_free(a);
}

static void test_bad_args(void **state) {
    (void)state;
    rr_error_t err = {0};
    assert_int_equal(rr_archetype_new(NULL, NULL, &err), RR_ERR_INVALID_ARG);
    rr_archetype_t *a;
    assert_rr_ok(rr_archetype_new(NULL, &a, &err), &err);
    struct ArrowSchema s;
    struct ArrowArray arr;
    /* Inputs are released on failure too. */
    points(&s, &arr, NULL, 0);
    assert_int_equal(rr_archetype_add_arrow(a, NULL, &s, &arr, &err), RR_ERR_INVALID_ARG);
    assert_null(s.release);
    assert_null(arr.release);
    points(&s, &arr, NULL, 0);
    rr_component_descriptor_t nameless = {NULL, (char *)"", NULL};
    assert_int_equal(rr_archetype_add_arrow(a, &nameless, &s, &arr, &err), RR_ERR_INVALID_ARG);
    assert_null(arr.release);
    points(&s, &arr, NULL, 0);
    assert_int_equal(rr_archetype_add_arrow(a, &k_pos, NULL, &arr, &err), RR_ERR_INVALID_ARG);
    assert_null(arr.release);
    rr_arrow_schema_release(&s);
    points(&s, &arr, NULL, 0);
    assert_int_equal(rr_archetype_add_arrow(NULL, &k_pos, &s, &arr, NULL), RR_ERR_INVALID_ARG);
    assert_null(arr.release);
    assert_int_equal(rr_archetype_add_empty(a, &k_pos, "not a format", &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_archetype_add_empty(a, &k_pos, NULL, &err), RR_ERR_INVALID_ARG);
    assert_int_equal(rr_archetype_num_batches(a), 0);
    rr_archetype_free(a);
}

/* Containers come back clean after free (the thread's spare), named or not,
 * in several threads that then exit. */
static void *reuse_thread(void *arg) {
    (void)arg;
    rr_error_t err = {0};
    for (int i = 0; i < 100; i++) {
        rr_archetype_t *a;
        const float xyz[3] = {(float)i, 0, 0};
        if (i % 2) {
            assert_rr_ok(rr_archetype_new("rerun.archetypes.Points3D", &a, &err), &err);
        } else {
            assert_rr_ok(rr_points3d_new(&a, (const rr_position3d_t *)xyz, 1, RR_COPY, &err), &err);
        }
        assert_int_equal(rr_archetype_num_batches(a), i % 2 ? 0 : 1);
        if (!(i % 2)) assert_int_equal(rr_archetype_batch_length(a, 0), 1);
        /* A second container while the first is alive is a different one. */
        rr_archetype_t *b;
        assert_rr_ok(rr_archetype_new(NULL, &b, &err), &err);
        assert_ptr_not_equal(a, b);
        assert_int_equal(rr_archetype_num_batches(b), 0);
        rr_archetype_free(b);
        rr_archetype_free(a);
    }
    return NULL;
}

static void test_container_reuse(void **state) {
    (void)state;
    pthread_t t[3];
    for (int i = 0; i < 3; i++) assert_int_equal(pthread_create(&t[i], NULL, reuse_thread, NULL), 0);
    reuse_thread(NULL);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_replace),
        cmocka_unit_test(test_empty_nested),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_container_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
