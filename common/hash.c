#include "common/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

static void to_hex(const unsigned char *d, char hex[HASH_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[HASH_HEX_LEN] = '\0';
}

int hash_file(const char *path, char hex[HASH_HEX_LEN + 1], long long *size, struct err *e)
{
    unsigned char buf[1 << 16], d[32];
    unsigned int dl = 0;
    long long total = 0;
    EVP_MD_CTX *ctx;
    ssize_t k;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        err_errno(e, "open", path);
        return -1;
    }
    ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while ((k = read(fd, buf, sizeof buf)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            err_errno(e, "read", path);
            EVP_MD_CTX_free(ctx);
            close(fd);
            return -1;
        }
        EVP_DigestUpdate(ctx, buf, (size_t)k);
        total += k;
    }
    close(fd);
    EVP_DigestFinal_ex(ctx, d, &dl);
    EVP_MD_CTX_free(ctx);
    to_hex(d, hex);
    if (size)
        *size = total;
    return 0;
}

void hash_buf_raw(const void *p, size_t n, unsigned char out[32])
{
    unsigned int dl = 0;
    EVP_Digest(p, n, out, &dl, EVP_sha256(), NULL);
}

void hash_buf(const void *p, size_t n, char hex[HASH_HEX_LEN + 1])
{
    unsigned char d[32];
    hash_buf_raw(p, n, d);
    to_hex(d, hex);
}
