#!/usr/bin/env bash
# bench/genpages.sh DIR [N] — make N (default 6) scanned-looking Vietnamese
# pages for `make bench` when ../shared/corpus/dev is not there: PNG, 300 dpi,
# rendered with pango-view (pango1.0-tools), each with a NAME.truth.json
# holding its text (doc_type "khac", no fields) and a MANIFEST.tsv, so that
# throughput and CER can be measured; field scores need the real corpus.
set -euo pipefail
dir=$1
n=${2:-6}
command -v pango-view >/dev/null || { echo "genpages: pango-view is missing (apt-get install pango1.0-tools)" >&2; exit 1; }
mkdir -p "$dir"

paras=(
"VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NAM
Số: 12/QĐ-VKS-DS
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Nam, ngày 05 tháng 3 năm 2026"
"QUYẾT ĐỊNH
Về việc thụ lý vụ việc dân sự công ích
VIỆN TRƯỞNG VIỆN KIỂM SÁT NHÂN DÂN TỈNH QUẢNG NAM
Căn cứ Nghị quyết số 205/2025/QH15 của Quốc hội về thí điểm Viện kiểm sát nhân dân khởi kiện vụ án dân sự để bảo vệ quyền dân sự của nhóm dễ bị tổn thương hoặc bảo vệ lợi ích công;"
"Xét thấy Công ty TNHH Thương mại và Dịch vụ Hòa Phước đã xả nước thải chưa qua xử lý ra sông Thu Bồn, gây ô nhiễm nguồn nước sinh hoạt của người dân các xã ven sông, ảnh hưởng đến sức khỏe của cộng đồng và lợi ích công;"
"Điều 1. Thụ lý vụ việc dân sự công ích số 04/2026/DSCI về bảo vệ môi trường đối với Công ty TNHH Thương mại và Dịch vụ Hòa Phước, địa chỉ: thôn Phú Mỹ, xã Điện Hồng, thị xã Điện Bàn, tỉnh Quảng Nam.
Điều 2. Giao Phòng Kiểm sát việc giải quyết các vụ án dân sự thực hiện việc xác minh, thu thập tài liệu, chứng cứ theo quy định."
"Nơi nhận:
- Viện kiểm sát nhân dân tối cao (Vụ 9);
- Ủy ban nhân dân tỉnh Quảng Nam;
- Sở Tài nguyên và Môi trường;
- Lưu: VT, hồ sơ vụ việc.
KT. VIỆN TRƯỞNG
PHÓ VIỆN TRƯỞNG
Nguyễn Thị Thu Hường"
)

printf 'file\tdoc_type\tpages\tvariant\n' >"$dir/MANIFEST.tsv"
for ((i = 1; i <= n; i++)); do
    name=$(printf 'gen_%04d.png' "$i")
    txt=$(mktemp)
    for ((k = 0; k < ${#paras[@]}; k++)); do
        printf '%s\n\n' "${paras[$(( (k + i) % ${#paras[@]} ))]}" >>"$txt"
    done
    pango-view -q --font "Liberation Serif 13" --dpi 300 --width 451 --margin 72 \
        --hinting=full -o "$dir/$name" "$txt"
    python3 - "$txt" "$dir/$name.truth.json" "$name" <<'PY'
import json, sys, unicodedata
text = unicodedata.normalize("NFC", open(sys.argv[1], encoding="utf-8").read()).strip()
json.dump({"file": sys.argv[3], "doc_type": "khac", "fields": {}, "pages": 1,
           "page_text": [text], "variant": "generated_png_300",
           "page_meta": [{"dpi": 300, "rotation": 0, "skew_deg": 0, "degradations": []}]},
          open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
    rm -f "$txt"
    printf '%s\tkhac\t1\tgenerated_png_300\n' "$name" >>"$dir/MANIFEST.tsv"
done
