/* The `rerun` command line: one function per subcommand group, each taking
 * the arguments after its name and returning the process exit code. */
#ifndef RR_CLI_H
#define RR_CLI_H

#define RR_VERSION_STRING "0.1.0"
/* The Rerun release whose formats and protocols we speak. */
#define RR_RERUN_COMPAT_VERSION "0.33.0"

/* Prints "rerun: <message>" to stderr (one line); returns 1 for `return`. */
int rr_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int rr_cli_arrow(int argc, char **argv);
int rr_cli_rrd(int argc, char **argv);
int rr_cli_query(int argc, char **argv);
/* `rerun --serve-grpc [flags]`: gets every argument after the program name. */
int rr_cli_serve(int argc, char **argv);
/* `rerun --headless --screenshot OUT.png ... FILE...` (the viewer): the same. */
int rr_cli_view(int argc, char **argv);
/* `rerun --serve-web [FILE|URL] [--web-port N]`: the browser viewer's files and page. */
int rr_cli_serve_web(int argc, char **argv);

#endif
