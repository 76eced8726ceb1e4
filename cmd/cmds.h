/*
 * cmd/cmds.h: prototypes of the commands listed in cmd/commands.inc.
 * One line per command; keep both files in the same order.
 */
#ifndef ANCONG_CMDS_H
#define ANCONG_CMDS_H

#include "common/cfg.h"

int cmd_db(int argc, char **argv, struct cfg *cfg);
int cmd_migrate(int argc, char **argv, struct cfg *cfg);
int cmd_export(int argc, char **argv, struct cfg *cfg);
int cmd_requeue(int argc, char **argv, struct cfg *cfg);
int cmd_user(int argc, char **argv, struct cfg *cfg);
int cmd_web(int argc, char **argv, struct cfg *cfg);
int cmd_process(int argc, char **argv, struct cfg *cfg);
int cmd_serve(int argc, char **argv, struct cfg *cfg);
int cmd_worker(int argc, char **argv, struct cfg *cfg);

int cmd_status(int argc, char **argv, struct cfg *cfg);
int cmd_watch(int argc, char **argv, struct cfg *cfg);
int cmd_sign(int argc, char **argv, struct cfg *cfg);
int cmd_verify(int argc, char **argv, struct cfg *cfg);
int cmd_signer(int argc, char **argv, struct cfg *cfg);

int cmd_search(int argc, char **argv, struct cfg *cfg);
int cmd_report(int argc, char **argv, struct cfg *cfg);
int cmd_case(int argc, char **argv, struct cfg *cfg);

int cmd_backfill(int argc, char **argv, struct cfg *cfg);

#endif
