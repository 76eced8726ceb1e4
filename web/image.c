/*
 * web/image.c: page images for the review screen, rendered server-side with
 * libvips from the original in the blob store.
 *
 * The original is untrusted, but it already went through the worker's
 * sandboxed probe before it reached needs_review; here libvips only
 * thumbnails one page (shrink-on-load for JPEG, rendering at the needed
 * scale for PDF).  The page is turned upright by its recorded rotation, so
 * the field boxes (given on the image as OCR'd) line up.  Results are cached
 * under $ANCONG_HOME/cache/web/ (written to a temporary name, then renamed).
 */
#include "web/web_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "common/fs.h"
#include "common/log.h"

int image_init(void)
{
    if (VIPS_INIT("ancong") != 0)
        return -1;
    vips_concurrency_set(1);        /* parallelism comes from the request threads */
    vips_cache_set_max(0);
    return 0;
}

static int render(const char *src, int page, int rotation, int width, const char *dst)
{
    const char *loader = vips_foreign_find_load(src);
    if (!loader)
        return -1;
    bool paged = strstr(loader, "Pdf") || strstr(loader, "Tiff") || strstr(loader, "Gif") ||
                 strstr(loader, "Heif") || strstr(loader, "Webp");
    if (!paged && page != 1)
        return -1;
    VipsImage *t = NULL, *rot = NULL, *flat = NULL, *srgb = NULL;
    int rc = -1;
    char name[1200];
    if (paged) snprintf(name, sizeof name, "%s[page=%d]", src, page - 1);
    else snprintf(name, sizeof name, "%s", src);
    /* a turned page: its width on screen is the stored height */
    bool turned = rotation == 90 || rotation == 270;
    /* PDF pages are vectors: render them at the size asked; never enlarge a raster */
    bool vector = strstr(loader, "Pdf") != NULL;
    if (vips_thumbnail(name, &t, turned ? 10000 : width, "height", turned ? width : 10000,
                       "size", vector ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN, NULL))
        goto out;
    VipsAngle a = rotation == 90 ? VIPS_ANGLE_D270 : rotation == 180 ? VIPS_ANGLE_D180
                : rotation == 270 ? VIPS_ANGLE_D90 : VIPS_ANGLE_D0;
    if (a != VIPS_ANGLE_D0) {
        /* The thumbnail streams from a sequential loader (PNG, TIFF), and a
         * turn reads it column by column or bottom up: out of order.  The
         * thumbnail is small (at most 3000 pixels a side): make it in memory
         * first, then turn that; the original is never held whole. */
        VipsImage *mem = vips_image_copy_memory(t);
        if (!mem)
            goto out;
        g_object_unref(t);
        t = mem;
    }
    if (vips_rot(t, &rot, a, NULL))
        goto out;
    if (vips_image_hasalpha(rot)) {
        double white[1] = {255};
        VipsArrayDouble *bg = vips_array_double_new(white, 1);
        int f = vips_flatten(rot, &flat, "background", bg, NULL);
        vips_area_unref(VIPS_AREA(bg));
        if (f) goto out;
    } else {
        flat = rot;
        g_object_ref(flat);
    }
    if (vips_colourspace(flat, &srgb, flat->Bands < 3 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB, NULL))
        goto out;
    if (vips_jpegsave(srgb, dst, "Q", 82, "strip", TRUE, NULL))
        goto out;
    rc = 0;
out:
    if (rc < 0)
        log_warn("stage=web msg=\"page render failed\" err=\"%.200s\"", vips_error_buffer());
    vips_error_clear();
    if (t) g_object_unref(t);
    if (rot) g_object_unref(rot);
    if (flat) g_object_unref(flat);
    if (srgb) g_object_unref(srgb);
    return rc;
}

void image_serve(struct web_req *r, struct web_resp *p, long long id, int page, int width)
{
    if (width < 200) width = 200;
    if (width > 3000) width = 3000;
    width = (width + 99) / 100 * 100;              /* few cache variants */
    char uid[32], did[32], pg[16];
    snprintf(uid, sizeof uid, "%lld", r->user.id);
    snprintf(did, sizeof did, "%lld", id);
    snprintf(pg, sizeof pg, "%d", page);
    const char *pa[3] = {uid, did, pg};
    PGresult *res = PQexecParams(r->db,
        "SELECT d.sha256, coalesce((SELECT rotation FROM web_page WHERE document_id = d.id AND number = $3::int), 0) "
        "  FROM web_doc d WHERE d.id = $2::bigint AND " VISIBLE_SQL("$1::bigint"),
        3, NULL, pa, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        PQclear(res);
        web_text(p, 404, "Không tìm thấy trang");
        return;
    }
    char sha[65];
    snprintf(sha, sizeof sha, "%s", PQgetvalue(res, 0, 0));
    int rotation = atoi(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
        web_text(p, 404, "Không tìm thấy trang");
        return;
    }
    char dir[1024], dst[1200], tmp[1300], src[1024];
    cfg_path(r->cfg, dir, sizeof dir, "cache/web");
    snprintf(dst, sizeof dst, "%s/%s-%d-%d-%d.jpg", dir, sha, page, rotation, width);
    struct stat sb;
    if (stat(dst, &sb) != 0) {
        blob_path(r->cfg, "originals", sha, src, sizeof src);
        if (stat(src, &sb) != 0) {
            web_text(p, 404, "Không tìm thấy bản gốc của tài liệu trong kho lưu trữ");
            return;
        }
        char cache[1024];
        cfg_path(r->cfg, cache, sizeof cache, "cache");
        mkdir(cache, 0700);
        mkdir(dir, 0700);
        snprintf(tmp, sizeof tmp, "%s.%ld.%lx.tmp.jpg", dst, (long)getpid(), (unsigned long)pthread_self());
        if (render(src, page, rotation, width, tmp) < 0) {
            unlink(tmp);
            web_text(p, 404, "Không hiển thị được trang này");
            return;
        }
        if (rename(tmp, dst) != 0) {
            unlink(tmp);
            web_text(p, 500, "Không lưu được ảnh trang");
            return;
        }
    }
    p->status = 200;
    p->ctype = "image/jpeg";
    p->file = xstrdup(dst);
    snprintf(p->cache, sizeof p->cache, "private, max-age=3600");
}
