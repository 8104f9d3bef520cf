/* SPDX-License-Identifier: MIT */
/*
 * A trace callback that records events (copied: the event is valid during
 * the call only), and lookups for the trace tests.
 */
#ifndef VSMMU_TEST_TRACE_H
#define VSMMU_TEST_TRACE_H

#include <string.h>

#include "harness.h"
#include "vsmmu_trace.h"

#define TR_MAX 1024

struct tr_ev {
    unsigned id;
    const char *name;
    unsigned nargs;
    const char *arg[8];
    uint64_t val[8];
};

struct trace_rec {
    struct tr_ev ev[TR_MAX];
    unsigned n;
};

static inline void tr_record(void *opaque, const struct vsmmu_trace_event *ev)
{
    struct trace_rec *tr = opaque;
    struct tr_ev *e;

    CHECK(ev->nargs <= 8);
    CHECK_MSG(ev->name && !strcmp(ev->name, vsmmu_trace_name(ev->id)), "id %u", ev->id);
    if (tr->n == TR_MAX)
        return;
    e = &tr->ev[tr->n++];
    e->id = ev->id;
    e->name = ev->name;
    e->nargs = ev->nargs;
    for (unsigned i = 0; i < ev->nargs; i++) {
        e->arg[i] = ev->args[i].name;
        e->val[i] = ev->args[i].value;
    }
}

static inline void tr_clear(struct trace_rec *tr)
{
    tr->n = 0;
}

/* Position of the @nth (0-based) event with @id, or -1. */
static inline int tr_index(const struct trace_rec *tr, unsigned id, unsigned nth)
{
    for (unsigned i = 0; i < tr->n; i++)
        if (tr->ev[i].id == id && nth-- == 0)
            return (int)i;
    return -1;
}

static inline const struct tr_ev *tr_find(const struct trace_rec *tr, unsigned id, unsigned nth)
{
    int i = tr_index(tr, id, nth);
    return i < 0 ? NULL : &tr->ev[i];
}

static inline unsigned tr_count(const struct trace_rec *tr, unsigned id)
{
    unsigned k = 0;
    for (unsigned i = 0; i < tr->n; i++)
        k += tr->ev[i].id == id;
    return k;
}

/* The value of argument @name of @e (which must exist). */
static inline uint64_t tr_arg(const struct tr_ev *e, const char *name)
{
    CHECK_MSG(e != NULL, "no such event");
    for (unsigned i = 0; i < e->nargs; i++)
        if (!strcmp(e->arg[i], name))
            return e->val[i];
    t_fail(__FILE__, __LINE__, "%s has no argument %s", e->name, name);
}

#endif
