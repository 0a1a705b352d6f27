/* nn/cliargs.h — a program that passes options on to another (nn-tune
 * to nn-train): the other's option table read back from its
 * --completion-helper, and one command line split between the two.
 */
#ifndef NN_CLIARGS_H
#define NN_CLIARGS_H

#include <stddef.h>
#include "nn/cli.h"
#include "nn/error.h"

/* The long options of nn_cli_completion's text, as a table ending with
 * NN_OPT_END_ENTRY: "flag" is NN_OPT_FLAG, every other kind NN_OPT_STR,
 * and a choice keeps its words in arg_name (nn_cli_choice reads them).
 * Lines that are not five tab-separated fields with a long name are
 * skipped; no option at all is NN_EDATA.  One allocation: free() it. */
nn_option *nn_cli_table_read(const char *text, size_t n, nn_error *err);

/* The option of table whose long name is name[0..n), or NULL. */
const nn_option *nn_cli_find(const nn_option *table, const char *name, size_t n);

/* Split argv[1..argc) between two programs.  Into mine (argv[0] first):
 * own's options with their values, -h/--help, --version,
 * --completion-helper, and the operands before "--".  Into pass: each
 * long option own does not have but other does, with its value (the
 * next argument when it takes one and has no "=VALUE"), and everything
 * after "--" (long options of other only).  An option neither has, or a
 * bare word after "--", is NN_EARG ("unknown option '--epochz' (neither
 * nn-tune's nor nn-train's); did you mean '--epochs'?").  mine needs
 * argc + 1 entries (it ends with NULL), pass argc. */
int nn_cli_split(const nn_cli *own, const nn_cli *other, int argc, char **argv, char **mine, int *nmine,
                 const char **pass, size_t *npass, nn_error *err);

/* A name[0..n) that own passes on to other (a grid key when grid is set,
 * else an option given for other): 0 when it is one of other's long
 * options and not in managed (the names own sets itself, NULL-ended);
 * else NN_EARG: "grid key 'seed': nn-tune sets --seed of each trial
 * itself", or "grid key 'epochz': nn-train has no --epochz; did you mean
 * 'epochs'?" (the nearest of other's names, when one is near). */
int nn_cli_check_passed(const nn_cli *own, const nn_cli *other, const char *const *managed,
                        const char *name, size_t n, int grid, nn_error *err);

/* The argument of pass[0..npass) that gives the long option key ("--key"
 * or "--key=V"), or NULL. */
const char *nn_cli_given(const char *const *pass, size_t npass, const char *key);

#endif
