/*
 * pipeline/types.c: document type and field tables (DOC_TYPES.md, FIELDS.md).
 */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "common/str.h"

static const char *const field_names[F_COUNT] = {
    "so_van_ban", "ngay_ban_hanh", "co_quan_ban_hanh", "tinh", "nguoi_ky",
    "chuc_vu_nguoi_ky", "quyen_han_ky", "trich_yeu", "ma_vu_viec", "nguyen_don",
    "bi_don", "doi_tuong_kien_nghi", "linh_vuc",
};

const char *field_name(enum field_id f)
{
    return (f >= 0 && f < F_COUNT) ? field_names[f] : "";
}

int field_by_name(const char *name)
{
    for (int i = 0; i < F_COUNT; i++)
        if (name && strcmp(field_names[i], name) == 0)
            return i;
    return -1;
}

#define B(f) (1u << (f))
/* Fields every official document may carry. */
#define COMMON (B(F_SO_VAN_BAN) | B(F_NGAY_BAN_HANH) | B(F_CO_QUAN_BAN_HANH) | B(F_TINH) | \
                B(F_NGUOI_KY) | B(F_CHUC_VU_NGUOI_KY) | B(F_QUYEN_HAN_KY) | B(F_TRICH_YEU) | \
                B(F_LINH_VUC))
#define CASE B(F_MA_VU_VIEC)
#define PARTIES (B(F_NGUYEN_DON) | B(F_BI_DON))

static const struct {
    const char *id, *vi;
    unsigned fields;
} types[] = {
    {"don_de_nghi", "Đơn đề nghị",
     COMMON & ~(B(F_SO_VAN_BAN) | B(F_CO_QUAN_BAN_HANH))},
    {"bien_ban_tiep_nhan", "Biên bản tiếp nhận thông tin", COMMON},
    {"thong_bao_tiep_nhan", "Thông báo về việc tiếp nhận thông tin", COMMON},
    {"quyet_dinh_phan_cong", "Quyết định phân công Kiểm sát viên", COMMON | CASE},
    {"quyet_dinh_xac_minh", "Quyết định kiểm tra, xác minh", COMMON | CASE},
    {"bien_ban_xac_minh", "Biên bản xác minh", COMMON | CASE},
    {"yeu_cau_cung_cap", "Văn bản yêu cầu cung cấp tài liệu, chứng cứ", COMMON | CASE},
    {"bao_cao_de_xuat", "Báo cáo kết quả kiểm tra, xác minh và đề xuất", COMMON | CASE},
    {"kien_nghi", "Kiến nghị", COMMON | CASE | B(F_DOI_TUONG_KIEN_NGHI)},
    {"tra_loi_kien_nghi", "Văn bản trả lời kiến nghị", COMMON},
    {"quyet_dinh_khoi_kien", "Quyết định khởi kiện vụ án dân sự công ích", COMMON | CASE | PARTIES},
    {"don_khoi_kien", "Đơn khởi kiện của Viện kiểm sát", COMMON | CASE | PARTIES},
    {"thong_bao_thu_ly", "Thông báo thụ lý vụ án", COMMON | CASE | PARTIES},
    {"quyet_dinh_ket_thuc", "Quyết định kết thúc việc xem xét khởi kiện", COMMON | CASE},
    {"khac", "Tài liệu khác", COMMON},
};
#define NTYPES ((int)(sizeof types / sizeof types[0]))

const char *const doc_types[] = {
    "don_de_nghi", "bien_ban_tiep_nhan", "thong_bao_tiep_nhan", "quyet_dinh_phan_cong",
    "quyet_dinh_xac_minh", "bien_ban_xac_minh", "yeu_cau_cung_cap", "bao_cao_de_xuat",
    "kien_nghi", "tra_loi_kien_nghi", "quyet_dinh_khoi_kien", "don_khoi_kien",
    "thong_bao_thu_ly", "quyet_dinh_ket_thuc", "khac", NULL,
};

static int type_index(const char *id)
{
    for (int i = 0; id && i < NTYPES; i++)
        if (strcmp(types[i].id, id) == 0)
            return i;
    return -1;
}

const char *doc_type_vi(const char *id)
{
    int i = type_index(id);
    return i < 0 ? NULL : types[i].vi;
}

bool doc_type_valid(const char *id)
{
    return type_index(id) >= 0;
}

bool doc_type_has_field(const char *id, enum field_id f)
{
    int i = type_index(id);
    if (i < 0 || f < 0 || f >= F_COUNT)
        return false;
    return (types[i].fields & B(f)) != 0;
}

void doc_field_set(struct doc_result *r, enum field_id f, const char *value, double conf,
                   int page, const struct ocr_box *box)
{
    if (f < 0 || f >= F_COUNT)
        return;
    struct field *fd = &r->fields[f];
    free(fd->value);
    memset(fd, 0, sizeof *fd);
    if (!value)
        return;
    fd->present = true;
    fd->value = utf8_nfc(value);
    str_squash(fd->value);
    fd->conf = conf < 0 ? 0 : conf > 1 ? 1 : conf;
    fd->page = page;
    if (box)
        fd->box = *box;
}

void doc_result_release(struct doc_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < F_COUNT; i++)
        free(r->fields[i].value);
    memset(r, 0, sizeof *r);
}
