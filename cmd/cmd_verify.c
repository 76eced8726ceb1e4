/*
 * cmd/cmd_verify.c: "ancong verify FILE.pdf [--ca PEM]" — every signature:
 * signer, time, level, digest, changed after signing.  Exit 0 only if there
 * is at least one signature and all are valid.
 */
#include "cmd/cmd.h"
#include "cmd/cmds.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "signing/pades.h"

static const char usage_line[] = "ancong verify FILE.pdf [--ca PEM] [--json]";

int cmd_verify(int argc, char **argv, struct cfg *cfg)
{
    const char *file = NULL, *ca = NULL;
    bool json = false;
    struct sig_check *c = NULL;
    int n = 0, nvalid = 0;
    struct err e;

    (void)cfg;
    if (cmd_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Checks every signature of FILE.pdf: the signed byte range, the CMS signature, the digest\n"
               "(SHA-256 or stronger), the PAdES level (B-B, B-T with a signature time-stamp, B-LT with a\n"
               "DSS holding revocation data; \"CMS\" for a signature that is not PAdES baseline), the\n"
               "signature time-stamp, and whether the document was changed after the signature (later\n"
               "revisions may only add signatures and DSS data).  With --ca, the signer's and the TSA's\n"
               "certificate chains must verify against the given roots.\n"
               "Exit 0 only if there is at least one signature and every one is valid.\n", usage_line);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ca") && i + 1 < argc) ca = argv[++i];
        else if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] == '-' && argv[i][1]) return cmd_usage_error(usage_line, "unknown option \"%s\"", argv[i]);
        else if (!file) file = argv[i];
        else return cmd_usage_error(usage_line, "one file at a time");
    }
    if (!file)
        return cmd_usage_error(usage_line, "give the PDF to check");
    err_init(&e);
    if (sig_verify_file(file, ca, &c, &n, &e) < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    for (int k = 0; k < n; k++)
        nvalid += c[k].valid;
    if (json) {
        struct sbuf b = SBUF_INIT;
        struct json j;
        json_init(&j, &b, false);
        json_obj_begin(&j);
        json_key(&j, "file"); json_str(&j, file);
        json_key(&j, "signatures");
        json_arr_begin(&j);
        for (int k = 0; k < n; k++) {
            json_obj_begin(&j);
            json_key(&j, "field"); json_str(&j, c[k].field_name);
            json_key(&j, "signer"); json_str(&j, c[k].signer);
            json_key(&j, "time"); json_str(&j, c[k].time);
            json_key(&j, "level"); json_str(&j, c[k].level);
            json_key(&j, "subfilter"); json_str(&j, c[k].subfilter);
            json_key(&j, "digest"); json_str(&j, c[k].digest);
            json_key(&j, "doc_timestamp"); json_bool(&j, c[k].doc_timestamp);
            json_key(&j, "covers_whole_file"); json_bool(&j, c[k].covers_whole);
            json_key(&j, "changed_after"); json_bool(&j, c[k].changed_after);
            json_key(&j, "chain"); json_str(&j, c[k].chain_checked ? (c[k].chain_ok ? "ok" : "bad") : "not checked");
            json_key(&j, "revocation_checked"); json_bool(&j, c[k].revocation_checked);
            json_key(&j, "valid"); json_bool(&j, c[k].valid);
            json_key(&j, "weak_digest"); json_bool(&j, c[k].weak_digest);
            if (c[k].problem[0]) { json_key(&j, "problem"); json_str(&j, c[k].problem); }
            json_obj_end(&j);
        }
        json_arr_end(&j);
        json_key(&j, "valid"); json_int(&j, nvalid);
        json_obj_end(&j);
        printf("%s\n", sbuf_cstr(&b));
        sbuf_release(&b);
    } else {
        for (int k = 0; k < n; k++) {
            printf("signature %d (%s): %s\n", k + 1, c[k].field_name[0] ? c[k].field_name : "unnamed",
                   c[k].valid ? "VALID" : sig_intact_weak(&c[k]) ? "INTACT, WEAK DIGEST" : "INVALID");
            printf("  signer:  %s\n", c[k].signer[0] ? c[k].signer : "?");
            printf("  time:    %s\n", c[k].time[0] ? c[k].time : "?");
            printf("  level:   %s%s\n", c[k].level, c[k].doc_timestamp ? " (document time-stamp)" : "");
            printf("  filter:  %s, digest %s\n", c[k].subfilter, c[k].digest[0] ? c[k].digest : "?");
            printf("  chain:   %s\n", c[k].chain_checked ? (c[k].chain_ok ? "verified against --ca" : "NOT trusted")
                                                        : "not checked (no --ca)");
            if (c[k].revocation_checked)
                printf("  revocation: checked against the CRL in the DSS%s\n",
                       c[k].chain_ok ? " (not revoked)" : "");
            printf("  changed after signing: %s%s%s\n", c[k].changed_after ? "yes: " : "no",
                   c[k].changed_after ? c[k].changes : "",
                   !c[k].changed_after && !c[k].covers_whole && c[k].valid ? " (later revisions add signatures or DSS data only)" : "");
            if (c[k].problem[0])
                printf("  problem: %s\n", c[k].problem);
            if (sig_intact_weak(&c[k]))
                printf("  meaning: the signature verifies and the signed bytes are unchanged, but a %s\n"
                       "           digest no longer proves the document was not forged; ask the issuer for\n"
                       "           a copy signed with SHA-256 if it must stand as evidence\n", c[k].digest);
        }
        printf("%s: signatures=%d valid=%d\n", file, n, nvalid);
    }
    free(c);
    if (n == 0) {
        fprintf(stderr, "ancong: error: \"%s\" has no signatures\n", file);
        return EXIT_WORK;
    }
    return nvalid == n ? EXIT_OK : EXIT_WORK;
}
