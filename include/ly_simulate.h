/* `loyalty simulate`: the input file read as the topics would hold it
 * (PROGRAM.md section 3), processed by the engine, outputs and final state
 * written as JSON. */
#ifndef LY_SIMULATE_H
#define LY_SIMULATE_H
#include <stdint.h>
#include <stdio.h>
#include "ly_file.h"
#include "ly_member.h"
#include "ly_output.h"
#include "ly_program.h"

/* The members of a finished simulation, handed over instead of freed (see
 * ly_sim_options.keep). */
typedef struct ly_sim_kept ly_sim_kept;

typedef struct ly_sim_options {
    const ly_program *program;
    int32_t partitions; /* >= 1 */
    int64_t until;      /* fire timers due <= until at the end; INT64_MIN: don't */
    int progress;       /* print a progress line on stderr */
    /* NULL: the run frees its members before it returns. Otherwise they
     * are handed to *keep, which must be NULL, and are the caller's to free
     * with ly_sim_kept_free (*keep stays NULL when there was no memory to
     * hand them over: they were freed). For a process about to exit, which
     * gives their pages back at once: freeing them one by one takes about
     * a second per million members. */
    ly_sim_kept **keep;
} ly_sim_options;

/* Frees what a simulation handed over. Accepts NULL. */
void ly_sim_kept_free(ly_sim_kept *k);

typedef struct ly_sim_stats {
    uint64_t lines, invalid, applied, repeats, rejected, internal, timers_fired;
    uint64_t outputs[LY_TOPIC_COUNT]; /* by ly_topic */
    uint64_t members;
    size_t memory_bytes; /* engine state at the end */
} ly_sim_stats;

/* Simulates the JSON Lines in buf[0..len). Outputs go to `out` (one JSON
 * object per line, in emission order) and the final state to `state` (may be
 * NULL). Returns 0, or -1 with errstr on ENOMEM or a write error. */
int ly_simulate_buffer(const char *buf, size_t len, const ly_sim_options *opt, FILE *out,
                       FILE *state, ly_sim_stats *stats, char *errstr, size_t errlen);

/* The same for files; out_path/state_path "-" is stdout. Returns 0,
 * LY_SIM_EINPUT (the input cannot be read), LY_SIM_EOUTPUT (an output cannot
 * be written) or -1 (out of memory), with errstr. */
#define LY_SIM_EINPUT (-2)
#define LY_SIM_EOUTPUT (-3)
int ly_simulate_files(const char *input, const char *out_path, const char *state_path,
                      const ly_sim_options *opt, ly_sim_stats *stats, char *errstr, size_t errlen);

/* Writes members (sorted here by id) as the state JSON object of simulate;
 * with_pending adds pending_points (programs with a return window). 0, or
 * -1 on ENOMEM or a write error (what was written is then not whole). */
int ly_simulate_write_state(FILE *f, ly_member **members, size_t n, int with_pending);


#endif
