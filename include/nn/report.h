/* nn/report.h — the report of an evaluation (nn/partial.h), as nn-eval
 * prints it (nn-eval(1)):
 *
 *   text  a table for people: numbers to 6 significant digits, a metric
 *         that cannot be given shown as "-" with the reason
 *   JSON  one object on one line: numbers in the shortest form that reads
 *         back as the same double, null when not finite or not given, and
 *         "notes" saying why
 *
 * Classification: rows, class names (or the ids), accuracy, balanced
 * accuracy, log loss, top-k accuracy, ROC AUC (two classes), precision,
 * recall, F1 and support per class with macro and weighted averages, the
 * confusion matrix.  Regression: MSE, RMSE, MAE and R^2, their means over
 * the targets and, with several targets, per target.
 */
#ifndef NN_REPORT_H
#define NN_REPORT_H

#include <stdio.h>
#include "nn/error.h"
#include "nn/partial.h"

/* Write the report of every row e holds on o (json: one JSON object, else
 * text).  Fails when e has no rows or memory runs out; write errors are
 * o's (the caller checks ferror, as for any stdio stream). */
int nn_eval_report(FILE *o, const nn_eval *e, int json, nn_error *err);

#endif
