/* nn-keygen — make a key file for --key (nn/crypt.h), or with --sign a
 * signing pair for --sign-key and --trust (nn/sign.h).
 *
 * Choices:
 * - The key is 32 random bytes from libsodium, written as one line of
 *   text ("nnpipe-key-1 " and 64 hex digits) so that it can be copied,
 *   printed and stored like an ssh key.
 * - The file is created mode 0600 whatever the umask, and never over an
 *   existing file: a key replaced by mistake makes every file encrypted
 *   with it unreadable.
 * - -o is required: a key on standard output would pass through a
 *   terminal's scrollback or a pipe's other end.
 * - It prints the new key's id on stdout, as the prologue of every file
 *   encrypted with it will show it.
 * - --sign -o NAME makes NAME.key (0600, the secret) and NAME.pub (0644,
 *   to hand out), refusing if either exists; the id printed is the one
 *   nn-info shows for what the key signs.
 */
#include <stdio.h>
#include <stdlib.h>
#include "nn/crypt.h"
#include "nn/sign.h"
#include "tool.h"

static const char *opt_out;
static int opt_sign;

static const nn_option options[] = {
	NN_OPT_OUTPUT(&opt_out),
	{ 0, "sign", NN_OPT_FLAG, &opt_sign, NULL,
	  "make a signing pair: FILE.key (secret, for --sign-key) and FILE.pub (for --trust)", 0, 0 },
	NN_OPT_QUIET(&tool_quiet),
	NN_OPT_END_ENTRY
};

static const nn_cli cli = {
	"nn-keygen", "[OPTIONS] -o FILE",
	"Make a new encryption key file for --key and NN_KEY_FILE.",
	"Writes 32 random bytes as a key file FILE, mode 0600, refusing to overwrite\n"
	"one, and prints the key's id, which files encrypted with it show.  With\n"
	"--sign, makes an Ed25519 pair instead: FILE.key (mode 0600) for --sign-key\n"
	"and FILE.pub (mode 0644) for --trust.",
	options, 0
};

int main(int argc, char **argv)
{
	nn_strlist operands = { 0, NULL };
	nn_error err = { 0 };
	nn_key *k;

	tool_crypt_options = 0;
	tool_parse(&cli, argc, argv, &operands);
	if (!opt_out)
		tool_usage("no key file given (-o FILE)");
	if (opt_sign) {
		char id[NN_SIGN_ID_HEX];
		if (nn_sign_generate(opt_out, id, &err))
			tool_die(TOOL_EXIT_DATA, opt_out, "%s", err.msg);
		if (!tool_quiet)
			printf("signing key id %s\n", id);
		nn_strlist_free(&operands);
		if (fflush(stdout) || ferror(stdout))
			tool_die(TOOL_EXIT_DATA, NULL, "write error");
		return 0;
	}
	if (nn_key_generate(opt_out, &err))
		tool_die(TOOL_EXIT_DATA, opt_out, "%s", err.msg);
	if (!(k = nn_key_load(opt_out, &err)))
		tool_die(TOOL_EXIT_DATA, opt_out, "%s", err.msg);
	if (!tool_quiet)
		printf("key id %s\n", nn_key_id(k));
	nn_key_free(k);
	nn_strlist_free(&operands);
	if (fflush(stdout) || ferror(stdout))
		tool_die(TOOL_EXIT_DATA, NULL, "write error");
	return 0;
}
