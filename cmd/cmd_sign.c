/*
 * cmd/cmd_sign.c: "ancong sign IN.pdf OUT.pdf" — a PAdES signature made by
 * the PKCS#11 token.  Options override the sign.* settings.
 */
#include "cmd/cmd.h"
#include "cmd/cmds.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/json.h"
#include "common/str.h"
#include "signing/pades.h"

static const char usage_line[] =
    "ancong sign IN.pdf OUT.pdf [--pkcs11-module SO] [--key 'pkcs11:...'] [--pin-file F | --pin-fd N]\n"
    "       [--tsa URL] [--chain PEM] [--crl FILE]... [--allow-bb] [--stamp [--stamp-page N]\n"
    "       [--stamp-rect x0,y0,x1,y1] [--stamp-text T] [--stamp-name N] [--stamp-unit U]]\n"
    "       [--reason R] [--location L] [--json]";

static void help(void)
{
    printf("usage: %s\n\n"
           "Signs IN.pdf with the officer's token (PAdES, SubFilter ETSI.CAdES.detached, SHA-256)\n"
           "and writes OUT.pdf as an incremental update: earlier signatures stay valid.\n"
           "Level B-T with a time-stamping authority (--tsa / sign.tsa_url), B-B without one,\n"
           "B-LT when CRLs are given (--crl): they go with the chain into a /DSS.\n\n"
           "  --pkcs11-module SO   PKCS#11 module (sign.module)\n"
           "  --key URI            RFC 7512 URI of the key, e.g. 'pkcs11:token=T;object=signer' (sign.key)\n"
           "  --pin-file F         file holding the PIN, mode 0600 or 0400 (sign.pin_file)\n"
           "  --pin-fd N           read the PIN from descriptor N; without either, a terminal prompt\n"
           "                       (never on the command line or in the environment)\n"
           "  --tsa URL            http:// RFC 3161 service (sign.tsa_url); --no-tsa: B-B only\n"
           "  --allow-bb           if the TSA fails, sign at B-B instead of failing (sign.allow_bb)\n"
           "  --chain PEM          CA certificates to embed (sign.chain)\n"
           "  --crl FILE           revocation list for the DSS (B-LT); repeatable\n"
           "  --stamp              visible stamp (Decree 30/2020: text only, Times New Roman 10 pt,\n"
           "                       top right of page 1 unless --stamp-page / --stamp-rect say otherwise;\n"
           "                       --stamp-rect is in points from the displayed page's bottom-left corner)\n"
           "  --no-stamp           no stamp even if sign.stamp is set\n"
           "  --stamp-text T       first line (default \"Bản sao điện tử\")\n"
           "  --stamp-name N       agency or officer name (sign.name; default the certificate's CN)\n"
           "  --stamp-unit U       unit line\n"
           "  --stamp-font TTF     TrueType font (default Liberation Serif)\n"
           "  --reason R, --location L   text in the signature dictionary\n"
           "  --json               print the result as JSON\n\nSettings:\n", usage_line);
    cmd_print_settings(stdout, "sign.");
}

int cmd_sign(int argc, char **argv, struct cfg *cfg)
{
    struct sig_opts o;
    struct sig_result r;
    struct err e;
    const char *in = NULL, *out = NULL;
    const char **crls = NULL;
    int ncrl = 0, rc;
    bool json = false;

    if (cmd_wants_help(argc, argv)) {
        help();
        return EXIT_OK;
    }
    err_init(&e);
    sig_opts_from_cfg(&o, cfg);
    crls = calloc((size_t)argc + 17, sizeof *crls);
    for (int k = 0; k < o.ncrl; k++)       /* sign.crl from the configuration */
        crls[ncrl++] = o.crl_files[k];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--pkcs11-module") || !strcmp(a, "--key") || !strcmp(a, "--pin-file") ||
            !strcmp(a, "--pin-fd") || !strcmp(a, "--tsa") || !strcmp(a, "--chain") || !strcmp(a, "--crl") ||
            !strcmp(a, "--stamp-page") || !strcmp(a, "--stamp-rect") || !strcmp(a, "--stamp-text") ||
            !strcmp(a, "--stamp-name") || !strcmp(a, "--stamp-unit") || !strcmp(a, "--stamp-font") ||
            !strcmp(a, "--reason") || !strcmp(a, "--location")) {
            if (!v) {
                free(crls);
                return cmd_usage_error(usage_line, "%s needs a value", a);
            }
            i++;
            if (!strcmp(a, "--pkcs11-module")) o.module = v;
            else if (!strcmp(a, "--key")) o.key_uri = v;
            else if (!strcmp(a, "--pin-file")) o.pin_file = v;
            else if (!strcmp(a, "--pin-fd")) {
                char *end;
                long fd = strtol(v, &end, 10);
                if (*end || fd < 0 || fd > 1024) {
                    free(crls);
                    return cmd_usage_error(usage_line, "--pin-fd needs a descriptor number, not \"%s\"", v);
                }
                o.pin_fd = (int)fd;
                o.pin_file = NULL;
            } else if (!strcmp(a, "--tsa")) o.tsa_url = v;
            else if (!strcmp(a, "--chain")) o.chain_pem = v;
            else if (!strcmp(a, "--crl")) crls[ncrl++] = v;
            else if (!strcmp(a, "--stamp-page")) {
                o.stamp = true;
                o.stamp_page = atoi(v);
                if (o.stamp_page < 1) {
                    free(crls);
                    return cmd_usage_error(usage_line, "--stamp-page needs a page number from 1");
                }
            } else if (!strcmp(a, "--stamp-rect")) {
                o.stamp = true;
                if (sscanf(v, "%lf,%lf,%lf,%lf", &o.stamp_rect[0], &o.stamp_rect[1], &o.stamp_rect[2],
                           &o.stamp_rect[3]) != 4 || o.stamp_rect[2] <= o.stamp_rect[0] ||
                    o.stamp_rect[3] <= o.stamp_rect[1]) {
                    free(crls);
                    return cmd_usage_error(usage_line, "--stamp-rect needs x0,y0,x1,y1 in points with x1>x0, y1>y0");
                }
                o.stamp_rect_set = true;
            } else if (!strcmp(a, "--stamp-text")) { o.stamp = true; o.stamp_copy_type = v; }
            else if (!strcmp(a, "--stamp-name")) { o.stamp = true; o.stamp_agency = v; }
            else if (!strcmp(a, "--stamp-unit")) { o.stamp = true; o.stamp_unit = v; }
            else if (!strcmp(a, "--stamp-font")) { o.stamp = true; o.font_file = v; }
            else if (!strcmp(a, "--reason")) o.reason = v;
            else if (!strcmp(a, "--location")) o.location = v;
        } else if (!strcmp(a, "--allow-bb")) {
            o.allow_bb = true;
        } else if (!strcmp(a, "--no-tsa")) {
            o.tsa_url = NULL;
        } else if (!strcmp(a, "--stamp")) {
            o.stamp = true;
        } else if (!strcmp(a, "--no-stamp")) {
            o.stamp = false;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            free(crls);
            return cmd_usage_error(usage_line, "unknown option \"%s\"", a);
        } else if (!in) {
            in = a;
        } else if (!out) {
            out = a;
        } else {
            free(crls);
            return cmd_usage_error(usage_line, "too many files");
        }
    }
    if (!in || !out) {
        free(crls);
        return cmd_usage_error(usage_line, "give the input and the output PDF");
    }
    if (!strcmp(in, out)) {
        free(crls);
        return cmd_usage_error(usage_line, "the output must be another file than the input");
    }
    if (!o.module || !*o.module) {
        free(crls);
        return cmd_usage_error(usage_line, "no PKCS#11 module: give --pkcs11-module SO or set sign.module "
                               "(SoftHSM2: /usr/lib/softhsm/libsofthsm2.so; a USB token: its vendor's module)");
    }
    o.crl_files = crls;
    o.ncrl = ncrl;
    rc = sig_sign_file(in, out, &o, &r, &e);
    free(crls);
    if (rc < 0) {
        err_print(&e);
        return EXIT_WORK;
    }
    if (r.tsa_failed)
        fprintf(stderr, "ancong: warning: time-stamp failed, signed at B-B as allowed: %s\n", r.tsa_error);
    if (json) {
        struct sbuf b = SBUF_INIT;
        struct json j;
        json_init(&j, &b, false);
        json_obj_begin(&j);
        json_key(&j, "file"); json_str(&j, out);
        json_key(&j, "level"); json_str(&j, r.level);
        json_key(&j, "signer"); json_str(&j, r.signer_cn);
        json_key(&j, "cert_sha256"); json_str(&j, r.cert_sha256);
        json_key(&j, "signing_time"); json_str(&j, r.signing_time);
        json_key(&j, "sha256"); json_str(&j, r.out_sha256);
        json_obj_end(&j);
        printf("%s\n", sbuf_cstr(&b));
        sbuf_release(&b);
    } else {
        printf("signed %s level=%s signer=\"%s\" time=%s sha256=%s\n", out, r.level, r.signer_cn,
               r.signing_time, r.out_sha256);
    }
    return EXIT_OK;
}
