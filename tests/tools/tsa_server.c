/*
 * tests/tools/tsa_server.c: an RFC 3161 time-stamping server for TESTS, on
 * 127.0.0.1 only, answering HTTP POST application/timestamp-query with
 * replies made by OpenSSL's TS_RESP_CTX (SHA-256, ESSCertIDv2).
 *
 *   tsa_server --cert TSA.pem --key TSA.key [--chain CA.pem] [--port N]
 *              [--port-file F] [--mode ok|reject|garbage|http500]
 *
 * Port 0 (the default) picks a free port; it is written to --port-file (and
 * stdout) once listening.  --mode lets tests see how the client copes with a
 * TSA that refuses (PKIStatus rejection), answers junk, or fails in HTTP.
 * Serves until killed.  TEST MATERIAL ONLY.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

static long serial_no = 1;

static ASN1_INTEGER *next_serial(TS_RESP_CTX *ctx, void *data)
{
    (void)ctx;
    (void)data;
    ASN1_INTEGER *s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, serial_no++);
    return s;
}

static void reply(int fd, int code, const char *ctype, const unsigned char *body, size_t n)
{
    char hdr[256];
    int hl = snprintf(hdr, sizeof hdr, "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                      code, code == 200 ? "OK" : "Error", ctype, n);
    if (write(fd, hdr, (size_t)hl) < 0 || (n && write(fd, body, n) < 0))
        perror("tsa_server: write");
}

int main(int argc, char **argv)
{
    const char *certf = NULL, *keyf = NULL, *chainf = NULL, *portf = NULL, *mode = "ok";
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--cert")) certf = argv[i + 1];
        else if (!strcmp(argv[i], "--key")) keyf = argv[i + 1];
        else if (!strcmp(argv[i], "--chain")) chainf = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--port-file")) portf = argv[i + 1];
        else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
    }
    if (!certf || !keyf) {
        fprintf(stderr, "usage: tsa_server --cert TSA.pem --key TSA.key [--chain CA.pem] [--port N] "
                        "[--port-file F] [--mode ok|reject|garbage|http500]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fopen(certf, "r");
    X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    f = fopen(keyf, "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (chainf && (f = fopen(chainf, "r"))) {
        X509 *x;
        while ((x = PEM_read_X509(f, NULL, NULL, NULL)))
            sk_X509_push(chain, x);
        fclose(f);
        ERR_clear_error();
    }
    if (!cert || !key) {
        fprintf(stderr, "tsa_server: cannot read %s / %s\n", certf, keyf);
        return 2;
    }
    TS_RESP_CTX *ctx = TS_RESP_CTX_new();
    ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.1", 1);
    if (!ctx || !TS_RESP_CTX_set_signer_cert(ctx, cert) || !TS_RESP_CTX_set_signer_key(ctx, key) ||
        !TS_RESP_CTX_set_certs(ctx, chain) || !TS_RESP_CTX_set_def_policy(ctx, policy) ||
        !TS_RESP_CTX_add_md(ctx, EVP_sha256()) || !TS_RESP_CTX_add_md(ctx, EVP_sha384()) ||
        !TS_RESP_CTX_add_md(ctx, EVP_sha512()) || !TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) ||
        !TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) || !TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0)) {
        fprintf(stderr, "tsa_server: cannot set up the TSA\n");
        ERR_print_errors_fp(stderr);
        return 2;
    }
    TS_RESP_CTX_set_serial_cb(ctx, next_serial, NULL);
    TS_RESP_CTX_add_flags(ctx, TS_ORDERING | TS_TSA_NAME);

    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 16) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
        perror("tsa_server: listen");
        return 1;
    }
    port = ntohs(a.sin_port);
    if (portf) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", portf);
        FILE *pf = fopen(tmp, "w");
        if (!pf) { perror(tmp); return 1; }
        fprintf(pf, "%d\n", port);
        fclose(pf);
        rename(tmp, portf);
    }
    printf("tsa_server: listening on http://127.0.0.1:%d/ mode=%s\n", port, mode);
    fflush(stdout);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            perror("tsa_server: accept");
            return 1;
        }
        struct timeval tv = {10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[70000];
        size_t n = 0;
        char *end = NULL;
        long clen = -1;
        while (n < sizeof buf - 1) {
            ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
            if (k <= 0) break;
            n += (size_t)k;
            buf[n] = 0;
            if (!end && (end = strstr(buf, "\r\n\r\n"))) {
                char *cl = strcasestr(buf, "Content-Length:");
                clen = cl ? atol(cl + 15) : 0;
            }
            if (end && (long)(n - (size_t)(end + 4 - buf)) >= clen) break;
        }
        if (!end || strncmp(buf, "POST ", 5) != 0) {
            reply(fd, 400, "text/plain", (const unsigned char *)"bad request\n", 12);
        } else if (!strcmp(mode, "http500")) {
            reply(fd, 500, "text/plain", (const unsigned char *)"broken\n", 7);
        } else if (!strcmp(mode, "garbage")) {
            reply(fd, 200, "text/html", (const unsigned char *)"<html>not a TSA</html>\n", 23);
        } else {
            BIO *in = BIO_new_mem_buf(end + 4, (int)(n - (size_t)(end + 4 - buf)));
            TS_RESP *resp = NULL;
            if (!strcmp(mode, "reject")) {
                resp = TS_RESP_new();
                TS_STATUS_INFO *si = TS_STATUS_INFO_new();
                TS_STATUS_INFO_set_status(si, TS_STATUS_REJECTION);
                TS_RESP_set_status_info(resp, si);
                TS_STATUS_INFO_free(si);
            } else {
                resp = TS_RESP_create_response(ctx, in);
            }
            unsigned char *der = NULL;
            int dl = resp ? i2d_TS_RESP(resp, &der) : -1;
            if (dl > 0)
                reply(fd, 200, "application/timestamp-reply", der, (size_t)dl);
            else
                reply(fd, 500, "text/plain", (const unsigned char *)"error\n", 6);
            OPENSSL_free(der);
            TS_RESP_free(resp);
            BIO_free(in);
            ERR_clear_error();
        }
        close(fd);
    }
}
