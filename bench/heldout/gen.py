#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""bench/heldout/gen.py: a held-out stand-in corpus, made differently from
../shared/corpus/dev (other fonts and sizes, other names, places, numbers,
dates and wording, held-out titles and case numbers, other ink, paper and
noise), with truth files in the dev corpus's format (FIELDS.md).

  gen.py OUTDIR [--n N] [--seed S] [--hoscan build/tools/hoscan]

Writes OUTDIR/ho_NNNN.{pdf,tif,jpg,png}, OUTDIR/NAME.truth.json and
OUTDIR/MANIFEST.tsv.  Deterministic for a given seed.  Pages are drawn by
tests/tools/hoscan.c (cairo + pango + Leptonica), which also writes each
page's text in FIELDS.md reading order.  Python 3 standard library only.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import unicodedata

NFC = lambda s: unicodedata.normalize("NFC", s)

PROV = {
    # key: (name, "tỉnh"/"thành phố", places printed in the date line, court suffix)
    "ha_noi": ("Hà Nội", "thành phố", ["Hà Nội"], "HÀ NỘI"),
    "ho_chi_minh": ("Hồ Chí Minh", "Thành phố", ["Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"], "TP. HỒ CHÍ MINH"),
    "da_nang": ("Đà Nẵng", "thành phố", ["Đà Nẵng"], "ĐÀ NẴNG"),
    "can_tho": ("Cần Thơ", "thành phố", ["Cần Thơ"], "CẦN THƠ"),
    "quang_ninh": ("Quảng Ninh", "tỉnh", ["Quảng Ninh", "Hạ Long"], "QUẢNG NINH"),
    "dak_lak": ("Đắk Lắk", "tỉnh", ["Đắk Lắk", "Buôn Ma Thuột"], "ĐẮK LẮK"),
}
WARDS = ["phường An Khánh", "phường Ninh Kiều", "phường Hải Châu", "xã Tân Phú Trung",
         "phường Bãi Cháy", "phường Tân Lập", "xã Hòa Vang", "phường Cái Khế", "xã Krông Búk",
         "phường Hồng Gai", "xã Phước Kiển", "phường Long Biên", "xã Sơn Trà", "phường Thủ Đức"]
STREETS = ["đường Trần Hưng Đạo", "đường Lý Thường Kiệt", "phố Nguyễn Trãi", "đường Hùng Vương",
           "đường Lê Duẩn", "đường 30 Tháng 4", "phố Hàng Bông", "đường Nguyễn Văn Cừ"]
FAM = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Lưu", "Châu", "Thái",
       "La", "Tô", "Cao", "Đoàn", "Lương", "Tăng", "Hà", "Triệu", "Trương", "Kiều", "Khúc"]
MID_M = ["Xuân", "Bảo", "Công", "Tiến", "Hải", "Trọng", "Gia", "Đình", "Quốc", "Viết"]
MID_F = ["Kim", "Mỹ", "Như", "Khánh", "Bích", "Cẩm", "Hồng", "Thúy", "Ánh", "Thị"]
GIV_M = ["Nhân", "Hậu", "Triều", "Khôi", "Nguyên", "Luân", "Duy", "Hưng", "Đạt", "Vinh",
         "Cường", "Bình", "Thịnh", "Quyết", "Lợi", "Tường"]
GIV_F = ["Quyên", "Thoa", "Uyên", "Thư", "Quỳnh", "Thảo", "Nhung", "Ngân", "Chi", "Hạnh",
         "Hiền", "Diệp", "Oanh", "Xuyến"]
COMP_KIND = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Hợp tác xã"]
COMP_TRADE = {
    "moi_truong": ["Chế biến Thủy sản", "Dệt nhuộm", "Sản xuất Giấy"],
    "an_toan_thuc_pham": ["Suất ăn Công nghiệp", "Thực phẩm sạch", "Chế biến Thực phẩm"],
    "nguoi_tieu_dung": ["Thương mại Điện tử", "Phân phối Thực phẩm chức năng", "Mỹ phẩm"],
    "dat_dai": ["Địa ốc", "Đầu tư Phát triển Nhà", "Kinh doanh Bất động sản"],
    "tai_san_cong": ["Khách sạn Du lịch", "Dịch vụ Thể thao", "Kinh doanh Nhà hàng"],
    "nhom_de_bi_ton_thuong": ["Dịch vụ Việc làm", "Xuất khẩu Lao động", "Dịch vụ Chăm sóc"],
    "di_san_van_hoa": ["Xây dựng Công trình", "Đầu tư Hạ tầng", "Khai thác Đá"],
}
COMP_NAME = ["Hưng Thịnh Phát", "Biển Đông", "Tân Tiến", "Quốc Bảo", "Sao Mai", "Hoàng Long",
             "Trường Sơn", "Bình Minh", "Việt Hàn", "Ngọc Lân"]
AREA_VI = {
    "moi_truong": "môi trường", "an_toan_thuc_pham": "an toàn thực phẩm",
    "nguoi_tieu_dung": "bảo vệ quyền lợi người tiêu dùng", "dat_dai": "đất đai",
    "tai_san_cong": "tài sản công", "nhom_de_bi_ton_thuong": "bảo vệ nhóm dễ bị tổn thương",
    "di_san_van_hoa": "di sản văn hóa",
}
AREA_SO = {  # the Sở a kiến nghị goes to
    "moi_truong": ("Sở Nông nghiệp và Môi trường", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SNNMT-BVMT"),
    "an_toan_thuc_pham": ("Sở Y tế", "SỞ Y TẾ", "SYT-ATTP"),
    "nguoi_tieu_dung": ("Sở Công Thương", "SỞ CÔNG THƯƠNG", "SCT-QLTM"),
    "dat_dai": ("Sở Nông nghiệp và Môi trường", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "SNNMT-QLĐĐ"),
    "tai_san_cong": ("Sở Tài chính", "SỞ TÀI CHÍNH", "STC-QLGCS"),
    "nhom_de_bi_ton_thuong": ("Sở Nội vụ", "SỞ NỘI VỤ", "SNV-LĐVL"),
    "di_san_van_hoa": ("Sở Văn hóa, Thể thao và Du lịch", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "SVHTTDL-DSVH"),
}


def facts(r, area, comp, place, amount, n):
    """Two or three sentences of facts, worded unlike the dev corpus."""
    t = {
        "moi_truong": [
            f"Từ tháng 10 năm 2025, {comp} đã lắp đặt đường ống ngầm để thải nước chưa qua xử lý ra kênh Bến Lức thuộc {place}, làm cá chết hàng loạt và nước kênh bốc mùi hôi thối.",
            f"Kết quả quan trắc của cơ quan chuyên môn cho thấy các chỉ tiêu COD, amoni và tổng chất rắn lơ lửng vượt quy chuẩn cho phép từ 3 đến 7 lần; khoảng {n} hộ dân dùng nước kênh để tưới tiêu bị ảnh hưởng.",
            f"Chi phí cải tạo, phục hồi môi trường được ước tính khoảng {amount} đồng.",
        ],
        "an_toan_thuc_pham": [
            f"Ngày 14/01/2026, {comp} cung cấp bữa ăn ca cho công nhân Khu công nghiệp Phú An, {place}; sau bữa ăn có {n} người lao động phải nhập viện vì ngộ độc.",
            "Kết quả xét nghiệm mẫu lưu phát hiện vi khuẩn E. coli và tụ cầu vàng vượt giới hạn cho phép trong món thịt kho và rau xào.",
            f"Tổng chi phí khám, chữa bệnh và thu nhập thực tế bị mất của người lao động khoảng {amount} đồng.",
        ],
        "nguoi_tieu_dung": [
            f"{comp} tổ chức các buổi hội thảo tặng quà tại {place} để bán sản phẩm máy lọc không khí và thực phẩm bảo vệ sức khỏe, quảng cáo có tác dụng chữa bệnh phổi.",
            f"Có {n} người tiêu dùng, phần lớn là người cao tuổi, đã ký hợp đồng mua hàng trả góp với tổng giá trị khoảng {amount} đồng.",
            "Sản phẩm không có công dụng như quảng cáo và Công ty từ chối nhận lại hàng.",
        ],
        "dat_dai": [
            f"{comp} đã san lấp, xây dựng tường rào lấn chiếm khoảng {n} m² đất hành lang bảo vệ kênh thủy lợi do Nhà nước quản lý tại {place}.",
            "Ủy ban nhân dân cấp xã đã lập biên bản, yêu cầu tháo dỡ công trình nhưng Công ty không chấp hành.",
            f"Giá trị quyền sử dụng đất bị lấn chiếm được xác định khoảng {amount} đồng.",
        ],
        "tai_san_cong": [
            f"Khu nhà thi đấu đa năng tại {place} là tài sản công được giao cho Trung tâm Văn hóa - Thể thao quản lý; {comp} thuê lại một phần diện tích theo hợp đồng đã hết hạn từ năm 2024.",
            f"Công ty vẫn tiếp tục khai thác, cho thuê lại mặt bằng, không nộp tiền thuê trong {n} tháng với số tiền khoảng {amount} đồng.",
        ],
        "nhom_de_bi_ton_thuong": [
            f"{comp} tuyển dụng {n} lao động là người khuyết tật tại {place} nhưng không ký hợp đồng lao động, không đóng bảo hiểm xã hội và trả lương thấp hơn mức lương tối thiểu vùng.",
            f"Tổng số tiền lương, bảo hiểm người lao động bị thiệt hại khoảng {amount} đồng; những người lao động này không đủ điều kiện để tự khởi kiện.",
        ],
        "di_san_van_hoa": [
            f"Trong quá trình khai thác, {comp} đã nổ mìn gần khu di tích đình làng Phú Lễ tại {place}, làm nứt tường hậu cung và sụt lún sân đình khoảng {n} m².",
            f"Chi phí tu bổ, phục hồi di tích được Ban quản lý di tích ước tính khoảng {amount} đồng.",
        ],
    }[area]
    return t


EXTRA = [
    "Quá trình kiểm tra cho thấy hành vi vi phạm diễn ra trong thời gian dài, có tổ chức, đã được cơ quan chức năng nhắc nhở, xử phạt vi phạm hành chính nhưng không khắc phục; thiệt hại đối với lợi ích công đã xảy ra trên thực tế và có thể xác định được bằng tiền.",
    "Các tài liệu thu thập gồm: biên bản làm việc với chính quyền địa phương, kết luận của cơ quan chuyên môn, ảnh chụp hiện trường, văn bản trả lời của cơ quan quản lý nhà nước, lời khai của người làm chứng và các chứng từ có liên quan.",
    "Đến thời điểm hiện tại, chưa có cơ quan, tổ chức, cá nhân nào khởi kiện yêu cầu bồi thường; những người bị ảnh hưởng phần lớn có hoàn cảnh khó khăn, không có điều kiện tự bảo vệ quyền lợi của mình trước Tòa án.",
    "Việc khắc phục hậu quả cần được thực hiện kịp thời để tránh thiệt hại tiếp tục phát sinh, bảo đảm quyền, lợi ích hợp pháp của cộng đồng dân cư trên địa bàn và trật tự quản lý nhà nước trong lĩnh vực này.",
    "Đại diện chính quyền địa phương cho biết đã nhiều lần tổ chức đối thoại, vận động doanh nghiệp tự nguyện khắc phục nhưng doanh nghiệp chỉ thực hiện một phần, không đáp ứng yêu cầu; người dân tiếp tục có đơn phản ánh.",
    "Căn cứ các tài liệu, chứng cứ đã thu thập, có đủ cơ sở xác định hành vi nêu trên xâm phạm lợi ích công, thuộc phạm vi thí điểm theo Nghị quyết số 205/2025/QH15 và cần được xử lý theo thủ tục tố tụng dân sự.",
]


def person(r, female=None):
    if female is None:
        female = r.random() < 0.5
    mid = r.choice(MID_F if female else MID_M)
    giv = r.choice(GIV_F if female else GIV_M)
    return f"{r.choice(FAM)} {mid} {giv}", female


def money(r):
    return "{:,}".format(r.randint(12, 950) * 10_000_000).replace(",", ".")


def date_line(place, d, m, y, r):
    dd = "%02d" % d
    mm = ("%02d" % m) if (m < 3 and r.random() < 0.6) else str(m)
    return f"{place}, ngày {dd} tháng {mm} năm {y}"


class Doc:
    """Builds the SPEC of tests/tools/hoscan.c and the truth fields."""

    def __init__(self, r, style):
        self.r = r
        self.style = style
        self.spec = []
        self.f = dict.fromkeys(["so_van_ban", "ngay_ban_hanh", "co_quan_ban_hanh", "tinh",
                                "nguoi_ky", "chuc_vu_nguoi_ky", "quyen_han_ky", "trich_yeu",
                                "ma_vu_viec", "nguyen_don", "bi_don", "doi_tuong_kien_nghi",
                                "linh_vuc"])

    def add(self, tag, text=""):
        self.spec.append(f"{tag}|{text}")

    def header(self, left, right):
        for flags, t in left:
            self.add("HL" + flags, t)
        for flags, t in right:
            self.add("HR" + flags, t)
        self.add("GAP", "0.7")

    def signature(self, noi_nhan, sign):
        """noi_nhan: lines (first is 'Nơi nhận:'); sign: lines of the right block."""
        self.add("GAP", "0.6")
        if self.style == "B" and noi_nhan:
            for flags, t in sign:
                self.add("SR" + flags, t)
            self.add("GAP", "0.5")
            for i, t in enumerate(noi_nhan):
                self.add("SL" + ("bi" if i == 0 else "s"), t)
            return
        for i, t in enumerate(noi_nhan):
            self.add("SL" + ("bi" if i == 0 else "s"), t)
        for flags, t in sign:
            self.add("SR" + flags, t)


def make(r, idx, dtype, tinh, area, style):
    """One document of type dtype: returns Doc."""
    d = Doc(r, style)
    pname, pkind, places, court_sfx = PROV[tinh]
    place = r.choice(places)
    month = r.randint(1, 11)
    day = r.randint(1, 28)
    year = 2026
    iso = "%04d-%02d-%02d" % (year, month, day)
    kv = r.randint(1, 12)
    area_level = r.random() < 0.55
    prov_full = f"{pkind} {pname}"
    if area_level:
        vks_sent = f"Viện kiểm sát nhân dân khu vực {kv} - {'TP. Hồ Chí Minh' if tinh == 'ho_chi_minh' else pname}"
        vks_co = f"VIỆN KIỂM SÁT NHÂN DÂN KHU VỰC {kv}"
        parent = r.choice([f"VIỆN KSND {prov_full.upper()}", f"VKSND {prov_full.upper()}"])
        hl = [("s", parent), ("bs", "VIỆN KIỂM SÁT NHÂN DÂN"), ("bs", f"KHU VỰC {kv}")]
        unit = r.choice([f"VKSKV{kv}", f"VKSKV{kv}", f"VKSKV{kv}-DS"])
    else:
        vks_sent = f"Viện kiểm sát nhân dân {prov_full}"
        vks_co = f"VIỆN KIỂM SÁT NHÂN DÂN {prov_full.upper()}"
        hl = [("bs", "VIỆN KIỂM SÁT NHÂN DÂN"), ("bs", prov_full.upper())]
        if r.random() < 0.3:
            hl.insert(0, ("s", "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO"))
        unit = r.choice(["VKS-DS", "VKS-P9", "VKS-DSCI", "VKS-P9"])
    wardp = r.choice(WARDS) + f", {prov_full}"
    num = "%02d" % r.randint(1, 98)
    case_no = "%02d/2026/TL-DSCI" % r.randint(1, 60)
    comp = f"{r.choice(COMP_KIND)} {r.choice(COMP_TRADE[area])} {r.choice(COMP_NAME)}"
    amount = money(r)
    n = r.randint(12, 480)
    fx = facts(r, area, comp, wardp, amount, n)
    if r.random() < 0.45:   # a longer document: two or three pages
        fx = fx + EXTRA[: r.randint(3, len(EXTRA))]
    motto = [("bs", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), ("bs", "Độc lập - Tự do - Hạnh phúc")]
    dl = date_line(place, day, month, year, r)
    ksv, ksv_f = person(r)
    head, head_f = person(r)
    deputy = r.random() < 0.45
    f = d.f
    f.update(tinh=tinh, linh_vuc=area, ngay_ban_hanh=iso)

    def vks_sign(extra_noi=()):
        noi = ["Nơi nhận:", "- Như trên;"] + list(extra_noi) + ["- Lưu: VT, HSVV."]
        if deputy:
            sign = [("b", "KT. VIỆN TRƯỞNG"), ("b", "PHÓ VIỆN TRƯỞNG"), ("", ""), ("", ""), ("b", head)]
            f.update(quyen_han_ky="KT. VIỆN TRƯỞNG", chuc_vu_nguoi_ky="PHÓ VIỆN TRƯỞNG")
        else:
            sign = [("b", "VIỆN TRƯỞNG"), ("", ""), ("", ""), ("b", head)]
            f.update(chuc_vu_nguoi_ky="VIỆN TRƯỞNG")
        f["nguoi_ky"] = head
        d.signature(noi, sign)

    def vks_header(code, vv=None):
        so = f"{num}/{code}-{unit}" if code else f"{num}/{unit}"
        left = hl + [("s", f"Số: {so}")]
        if vv:
            left += [("is", vv)]
        d.header(left, motto + [("is", dl)])
        f.update(so_van_ban=so, co_quan_ban_hanh=vks_co)

    def can_cu(kind):
        d.add("Tb", f"VIỆN TRƯỞNG {vks_sent.upper()}")
        d.add("P", "Căn cứ Luật Tổ chức Viện kiểm sát nhân dân năm 2024;")
        d.add("P", "Căn cứ Nghị quyết số 205/2025/QH15 của Quốc hội về thí điểm Viện kiểm sát nhân dân khởi kiện vụ án dân sự để bảo vệ quyền dân sự của nhóm dễ bị tổn thương, bảo vệ lợi ích công;")
        d.add("P", f"Xét đề nghị của Kiểm sát viên được giao giải quyết vụ việc số {case_no},")
        d.add("Tb", "QUYẾT ĐỊNH:")

    if dtype == "don_de_nghi":
        title = "ĐƠN PHẢN ÁNH, KIẾN NGHỊ" if style == "B" else "ĐƠN ĐỀ NGHỊ"
        ty = r.choice([f"V/v đề nghị bảo vệ lợi ích công trong lĩnh vực {AREA_VI[area]}",
                       f"Về việc phản ánh hành vi xâm phạm lợi ích công tại {wardp.split(',')[0]}"])
        pet, pf = person(r)
        for t in motto:
            d.add("T" + t[0], t[1])
        d.add("GAP", "0.8")
        d.add("Tb", title)
        d.add("Ti", ty)
        d.add("GAP", "0.4")
        d.add("L", f"Kính gửi: {vks_sent}")
        d.add("L", f"Họ và tên người làm đơn: {pet}, sinh năm {r.randint(1955, 1995)}.")
        d.add("L", f"Địa chỉ liên hệ: số {r.randint(2, 300)} {r.choice(STREETS)}, {wardp}.")
        d.add("L", f"Điện thoại: 09{r.randint(10000000, 99999999)}.")
        d.add("P", "Tôi xin trình bày sự việc như sau:")
        for s in fx:
            d.add("P", s)
        d.add("P", "Sự việc đã được phản ánh nhiều lần nhưng chưa được xử lý. Tôi kính đề nghị Quý Viện xem xét, kiểm tra và thực hiện quyền khởi kiện để bảo vệ lợi ích công theo quy định.")
        d.add("P", "Tôi cam đoan những nội dung trên là đúng sự thật./.")
        d.add("GAP", "0.6")
        d.add("SR" + "i", dl)
        d.add("SRb", "NGƯỜI LÀM ĐƠN")
        d.add("SRi", "(Ký, ghi rõ họ tên)")
        d.add("SR", "")
        d.add("SRb", pet)
        f.update(nguoi_ky=pet, chuc_vu_nguoi_ky="NGƯỜI LÀM ĐƠN", trich_yeu=ty)
    elif dtype == "bien_ban_tiep_nhan":
        vks_header("BB")
        if style == "B":
            d.add("Tb", "PHIẾU TIẾP NHẬN THÔNG TIN")
            ty = "Về vụ việc dân sự công ích"
        else:
            d.add("Tb", "BIÊN BẢN")
            ty = r.choice(["Tiếp nhận thông tin về vụ việc dân sự công ích",
                           "Về việc tiếp nhận thông tin liên quan đến lợi ích công"])
        d.add("Tb", ty)
        informer, _ = person(r)
        d.add("P", f"Hồi 08 giờ 15 phút ngày {day:02d}/{month:02d}/{year}, tại trụ sở {vks_sent}, chúng tôi gồm:")
        d.add("L", f"- Người tiếp nhận: {ksv}, Kiểm sát viên;")
        d.add("L", f"- Người cung cấp thông tin: {informer}, cư trú tại {wardp}.")
        d.add("P", "Người cung cấp thông tin trình bày:")
        for s in fx:
            d.add("P", s)
        d.add("P", "Phiếu được lập thành 02 bản, đã đọc lại cho người cung cấp thông tin nghe và cùng ký xác nhận.")
        d.add("GAP", "0.6")
        right = "NGƯỜI TIẾP NHẬN" if style == "B" else "NGƯỜI LẬP BIÊN BẢN"
        d.add("SLbc", "NGƯỜI CUNG CẤP THÔNG TIN")
        d.add("SLc", "")
        d.add("SLbc", informer)
        d.add("SRb", right)
        d.add("SR", "")
        d.add("SRb", ksv)
        f.update(nguoi_ky=ksv, chuc_vu_nguoi_ky=right, trich_yeu=ty)
    elif dtype == "thong_bao_tiep_nhan":
        vks_header("TB")
        ty = r.choice(["Về việc tiếp nhận thông tin về vụ việc dân sự công ích",
                       "V/v thông báo đã tiếp nhận thông tin"])
        d.add("Tb", "THÔNG BÁO")
        d.add("Tb", ty)
        informer, inf_f = person(r)
        ba = "bà" if inf_f else "ông"
        d.add("L", f"Kính gửi: {ba.capitalize()} {informer}")
        d.add("P", f"{vks_sent} đã nhận được thông tin do {ba} {informer} cung cấp ngày {max(1, day - 2):02d}/{month:02d}/{year} về hành vi xâm phạm lợi ích công trong lĩnh vực {AREA_VI[area]} tại {wardp}.")
        d.add("P", f"Thông tin đã được vào sổ tiếp nhận và giao Kiểm sát viên {ksv} kiểm tra, xác minh. Kết quả giải quyết sẽ được thông báo cho {ba} {informer} theo quy định./.")
        vks_sign()
        f.update(trich_yeu=ty)
    elif dtype in ("quyet_dinh_phan_cong", "quyet_dinh_xac_minh", "quyet_dinh_ket_thuc", "quyet_dinh_khoi_kien"):
        vks_header("QĐ")
        ty = {
            "quyet_dinh_phan_cong": r.choice(["Về việc phân công Kiểm sát viên thụ lý, giải quyết vụ việc dân sự công ích",
                                              "V/v phân công Kiểm sát viên, Kiểm tra viên giải quyết vụ việc"]),
            "quyet_dinh_xac_minh": r.choice(["Về việc kiểm tra, xác minh thông tin vụ việc dân sự công ích",
                                             "Về việc tiến hành kiểm tra, xác minh vụ việc"]),
            "quyet_dinh_ket_thuc": r.choice(["Về việc kết thúc xem xét khởi kiện vụ việc dân sự công ích",
                                             "V/v không khởi kiện và kết thúc việc xem xét khởi kiện"]),
            "quyet_dinh_khoi_kien": r.choice(["Về việc khởi kiện vụ án dân sự để bảo vệ lợi ích công",
                                              "Về việc khởi kiện vụ án dân sự công ích"]),
        }[dtype]
        d.add("Tb", "QUYẾT ĐỊNH")
        d.add("Tb", ty)
        can_cu(dtype)
        f["ma_vu_viec"] = case_no
        if dtype == "quyet_dinh_phan_cong":
            d.add("P", f"Điều 1. Phân công {'bà' if ksv_f else 'ông'} {ksv}, Kiểm sát viên, giải quyết vụ việc dân sự công ích số {case_no} về {AREA_VI[area]} tại {wardp}.")
            d.add("P", "Điều 2. Kiểm sát viên được phân công thực hiện nhiệm vụ, quyền hạn theo quy định của Nghị quyết số 205/2025/QH15.")
            d.add("P", "Điều 3. Quyết định có hiệu lực kể từ ngày ký./.")
        elif dtype == "quyet_dinh_xac_minh":
            d.add("P", f"Điều 1. Tiến hành kiểm tra, xác minh vụ việc số {case_no} đối với {comp}.")
            d.add("P", "Điều 2. Nội dung kiểm tra, xác minh:")
            for s in fx[:2]:
                d.add("L", "- " + s)
            d.add("P", f"Điều 3. Thời hạn kiểm tra, xác minh là 30 ngày. Giao {ksv}, Kiểm sát viên, chủ trì thực hiện./.")
        elif dtype == "quyet_dinh_ket_thuc":
            d.add("P", f"Điều 1. Kết thúc việc xem xét khởi kiện vụ việc dân sự công ích số {case_no} vì chủ thể có quyền khởi kiện đã khởi kiện tại Tòa án.")
            d.add("P", "Nội dung vụ việc: " + fx[0])
            d.add("P", "Điều 2. Thông báo Quyết định này cho người đã cung cấp thông tin và các cơ quan có liên quan./.")
        else:
            d.add("P", f"Điều 1. Khởi kiện vụ án dân sự đối với {comp} tại Tòa án nhân dân khu vực {kv} - {pname} để bảo vệ lợi ích công trong lĩnh vực {AREA_VI[area]}.")
            for s in fx:
                d.add("P", s)
            d.add("P", f"Điều 2. Người khởi kiện: {vks_sent}. Người bị kiện: {comp}.")
            d.add("P", f"Điều 3. Giao Kiểm sát viên {ksv} thực hiện quyền, nghĩa vụ của người khởi kiện theo quy định./.")
            f.update(nguyen_don=vks_sent, bi_don=comp)
        vks_sign(["- Viện KSND cấp trên;"])
        f.update(trich_yeu=ty)
    elif dtype == "bien_ban_xac_minh":
        vks_header("BB")
        title = "BIÊN BẢN LÀM VIỆC" if style == "B" else "BIÊN BẢN XÁC MINH"
        ty = f"Vụ việc dân sự công ích số {case_no}" if r.random() < 0.5 else f"Về việc xác minh vụ việc số {case_no}"
        d.add("Tb", title)
        d.add("Tb", ty)
        witness, _ = person(r)
        d.add("P", f"Hồi 14 giờ 00 phút ngày {day:02d}/{month:02d}/{year}, tại {wardp}, đoàn xác minh của {vks_sent} làm việc với {witness}, đại diện {comp}.")
        for s in fx:
            d.add("P", s)
        d.add("P", "Biên bản kết thúc hồi 16 giờ cùng ngày, đã đọc lại cho các bên nghe và thống nhất ký tên./.")
        d.add("GAP", "0.6")
        d.add("SLbc", "ĐẠI DIỆN ĐƠN VỊ")
        d.add("SLc", "")
        d.add("SLbc", witness)
        d.add("SRb", "KIỂM SÁT VIÊN")
        d.add("SR", "")
        d.add("SRb", ksv)
        f.update(nguoi_ky=ksv, chuc_vu_nguoi_ky="KIỂM SÁT VIÊN", trich_yeu=ty, ma_vu_viec=case_no)
    elif dtype == "yeu_cau_cung_cap":
        vv = r.choice(["V/v đề nghị cung cấp tài liệu, chứng cứ", "V/v yêu cầu cung cấp tài liệu"])
        vks_header(None, vv)
        d.add("L", f"Kính gửi: {comp}")
        d.add("P", f"Để phục vụ việc kiểm tra, xác minh vụ việc dân sự công ích số {case_no}, {vks_sent} đề nghị Quý đơn vị cung cấp các tài liệu sau:")
        d.add("L", "1. Giấy chứng nhận đăng ký doanh nghiệp;")
        d.add("L", "2. Hồ sơ, giấy phép liên quan đến hoạt động sản xuất, kinh doanh;")
        d.add("L", "3. Các văn bản làm việc với cơ quan quản lý nhà nước.")
        d.add("P", f"Tài liệu gửi về Viện kiểm sát trước ngày {min(28, day + 10):02d}/{month + 1:02d}/{year}. Liên hệ Kiểm sát viên {ksv}./.")
        vks_sign()
        f.update(trich_yeu=vv, ma_vu_viec=case_no)
    elif dtype == "bao_cao_de_xuat":
        vks_header("BC")
        ty = r.choice([f"Kết quả kiểm tra, xác minh và đề xuất giải quyết vụ việc số {case_no}",
                       "Về kết quả kiểm tra, xác minh vụ việc dân sự công ích và đề xuất hướng xử lý"])
        d.add("Tb", "BÁO CÁO")
        d.add("Tb", ty)
        d.add("L", f"Kính gửi: Lãnh đạo {vks_sent}")
        d.add("Lb", "1. Kết quả kiểm tra, xác minh")
        for s in fx:
            d.add("P", s)
        d.add("Lb", "2. Đề xuất")
        d.add("P", f"Kiểm sát viên đề xuất kiến nghị chủ thể có quyền khởi kiện thực hiện việc khởi kiện; nếu không khởi kiện thì Viện kiểm sát khởi kiện vụ án dân sự công ích đối với {comp}./.")
        d.add("GAP", "0.6")
        d.add("SRb", "KIỂM SÁT VIÊN")
        d.add("SR", "")
        d.add("SRb", ksv)
        f.update(nguoi_ky=ksv, chuc_vu_nguoi_ky="KIỂM SÁT VIÊN", trich_yeu=ty, ma_vu_viec=case_no)
    elif dtype == "kien_nghi":
        vks_header("KN")
        ty = r.choice(["Về việc thực hiện quyền khởi kiện để bảo vệ lợi ích công",
                       "V/v kiến nghị thực hiện quyền khởi kiện vụ án dân sự"])
        d.add("Tb", "KIẾN NGHỊ")
        d.add("Tb", ty)
        so_name = AREA_SO[area][0]
        target = r.choice([f"{so_name} {prov_full}", f"Ủy ban nhân dân {r.choice(WARDS)}"])
        d.add("L", f"Kính gửi: {target}")
        d.add("P", f"Qua kiểm tra, xác minh vụ việc dân sự công ích số {case_no}, {vks_sent} xác định:")
        for s in fx:
            d.add("P", s)
        d.add("P", f"{vks_sent} kiến nghị {target} thực hiện quyền khởi kiện và trả lời bằng văn bản trong thời hạn 30 ngày./.")
        vks_sign()
        f.update(trich_yeu=ty, ma_vu_viec=case_no, doi_tuong_kien_nghi=target)
    elif dtype == "tra_loi_kien_nghi":
        kn = f"{'%02d' % r.randint(1, 60)}/KN-{unit}"
        vv = f"V/v trả lời Kiến nghị số {kn}"
        if r.random() < 0.5:
            so_vi, so_up, code = AREA_SO[area]
            left = [("s", "ỦY BAN NHÂN DÂN"), ("s", prov_full.upper()), ("bs", so_up)]
            co = so_up
            so = f"{r.randint(100, 2999)}/{code}"
            kt, cv = "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"
        else:
            ward = r.choice(WARDS)
            left = [("bs", "ỦY BAN NHÂN DÂN"), ("bs", ward.upper())]
            co = "ỦY BAN NHÂN DÂN " + ward.upper()
            so = f"{r.randint(10, 999)}/UBND-{r.choice(['VP', 'KT', 'ĐC'])}"
            kt, cv = "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"
        d.header(left + [("s", f"Số: {so}"), ("is", vv)], motto + [("is", dl)])
        d.add("L", f"Kính gửi: {vks_sent}")
        d.add("P", f"Ngày {max(1, day - 9):02d}/{month:02d}/{year}, chúng tôi nhận được Kiến nghị số {kn} của {vks_sent} về việc thực hiện quyền khởi kiện đối với {comp}.")
        d.add("P", "Theo Kiến nghị, " + fx[0][0].lower() + fx[0][1:])
        d.add("P", "Sau khi xem xét, đơn vị đã giao bộ phận chuyên môn chuẩn bị hồ sơ khởi kiện và sẽ nộp đơn tại Tòa án có thẩm quyền trong tháng tới.")
        d.add("P", "Trân trọng./.")
        signer, _ = person(r)
        d.signature(["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
                    [("b", kt), ("b", cv), ("", ""), ("", ""), ("b", signer)])
        f.update(so_van_ban=so, co_quan_ban_hanh=co, nguoi_ky=signer, chuc_vu_nguoi_ky=cv,
                 quyen_han_ky=kt, trich_yeu=vv)
    elif dtype == "don_khoi_kien":
        vks_header("ĐKK")
        ty = "Vụ án dân sự công ích"
        d.add("Tb", "ĐƠN KHỞI KIỆN")
        d.add("Tb", ty)
        d.add("L", f"Kính gửi: Tòa án nhân dân khu vực {kv} - {pname}")
        d.add("L", f"Người khởi kiện: {vks_sent}")
        d.add("L", f"Người bị kiện: {comp}")
        d.add("P", f"Nội dung vụ việc dân sự công ích số {case_no}:")
        for s in fx:
            d.add("P", s)
        d.add("P", f"Đề nghị Tòa án buộc {comp} bồi thường thiệt hại số tiền {amount} đồng và chấm dứt hành vi vi phạm./.")
        vks_sign(["- Viện KSND cấp trên;"])
        f.update(trich_yeu=ty, ma_vu_viec=case_no, nguyen_don=vks_sent, bi_don=comp)
    elif dtype == "thong_bao_thu_ly":
        court_kv = r.randint(1, 9)
        court = f"TÒA ÁN NHÂN DÂN KHU VỰC {court_kv} - {court_sfx}"
        so = "%02d/2026/TB-TLVA" % r.randint(1, 150)
        tl = "%02d/2026/TLST-DS" % r.randint(1, 150)
        d.header([("bs", "TÒA ÁN NHÂN DÂN"), ("bs", f"KHU VỰC {court_kv} - {court_sfx}"), ("s", f"Số: {so}")],
                 motto + [("is", dl)])
        ty = r.choice(["Về việc thụ lý vụ án", "V/v thụ lý vụ án dân sự"])
        d.add("Tb", "THÔNG BÁO")
        d.add("Tb", ty)
        d.add("L", f"Kính gửi: {vks_sent}")
        d.add("P", f"Ngày {day:02d}/{month:02d}/{year}, Tòa án đã thụ lý vụ án dân sự sơ thẩm số {tl} về tranh chấp bồi thường thiệt hại do xâm phạm lợi ích công.")
        d.add("L", f"Người khởi kiện: {vks_sent}.")
        d.add("L", f"Người bị kiện: {comp}.")
        d.add("P", "Nội dung yêu cầu khởi kiện:")
        for s_ in fx[:2]:
            d.add("P", s_)
        d.add("P", "Trong thời hạn 15 ngày kể từ ngày nhận được thông báo, người bị kiện phải nộp cho Tòa án văn bản ghi ý kiến của mình./.")
        judge, _ = person(r)
        d.signature(["Nơi nhận:", "- Như trên;", "- Lưu: HS."], [("b", "THẨM PHÁN"), ("", ""), ("", ""), ("b", judge)])
        f.update(so_van_ban=so, co_quan_ban_hanh=court, nguoi_ky=judge, chuc_vu_nguoi_ky="THẨM PHÁN",
                 trich_yeu=ty, ma_vu_viec=tl, nguyen_don=vks_sent, bi_don=comp)
    elif dtype == "khac_cong_van":
        so_vi, so_up, code = AREA_SO[area]
        so = f"{r.randint(100, 2999)}/{code}"
        vv = f"V/v phối hợp cung cấp thông tin về {comp}"
        d.header([("s", "ỦY BAN NHÂN DÂN"), ("s", prov_full.upper()), ("bs", so_up), ("s", f"Số: {so}"), ("is", vv)],
                 motto + [("is", dl)])
        d.add("L", f"Kính gửi: {vks_sent}")
        d.add("P", f"Thực hiện đề nghị của Quý Viện, {so_vi} {prov_full} cung cấp thông tin như sau:")
        d.add("P", fx[0])
        d.add("P", "Trân trọng./.")
        signer, _ = person(r)
        d.signature(["Nơi nhận:", "- Như trên;", "- Lưu: VT."],
                    [("b", "GIÁM ĐỐC"), ("", ""), ("", ""), ("b", signer)])
        f.update(so_van_ban=so, co_quan_ban_hanh=so_up, nguoi_ky=signer, chuc_vu_nguoi_ky="GIÁM ĐỐC",
                 trich_yeu=vv)
    elif dtype == "khac_phieu_thu":
        so = "%04d" % r.randint(10, 9999)
        d.add("Lb", comp)
        d.add("L", f"Địa chỉ: số {r.randint(2, 300)} {r.choice(STREETS)}, {wardp}")
        d.add("GAP", "0.6")
        d.add("Tb", "PHIẾU THU")
        d.add("Ti", f"Ngày {day:02d} tháng {month:02d} năm {year}")
        d.add("T", f"Số: {so}")
        payer, _ = person(r)
        d.add("L", f"Họ và tên người nộp tiền: {payer}")
        d.add("L", f"Lý do nộp: thanh toán tiền hàng theo hóa đơn số {r.randint(100, 999)}")
        d.add("L", f"Số tiền: {money(r)} đồng")
        d.add("GAP", "0.6")
        d.add("SLbc", "NGƯỜI NỘP TIỀN")
        d.add("SLc", "")
        d.add("SLbc", payer)
        d.add("SRb", "THỦ QUỸ")
        d.add("SR", "")
        d.add("SRb", person(r)[0])
        f.update(so_van_ban=so, tinh=None, linh_vuc=None)
    else:
        raise ValueError(dtype)
    return d


TYPES_VI = {
    "don_de_nghi": "Đơn đề nghị (của cá nhân, tổ chức cung cấp thông tin)",
    "bien_ban_tiep_nhan": "Biên bản / Phiếu tiếp nhận thông tin",
    "thong_bao_tiep_nhan": "Thông báo về việc tiếp nhận thông tin",
    "quyet_dinh_phan_cong": "Quyết định phân công Kiểm sát viên",
    "quyet_dinh_xac_minh": "Quyết định kiểm tra, xác minh",
    "bien_ban_xac_minh": "Biên bản xác minh / Biên bản làm việc",
    "yeu_cau_cung_cap": "Văn bản yêu cầu cung cấp tài liệu, chứng cứ",
    "bao_cao_de_xuat": "Báo cáo kết quả kiểm tra, xác minh và đề xuất",
    "kien_nghi": "Kiến nghị (thông báo, kiến nghị thực hiện quyền khởi kiện)",
    "tra_loi_kien_nghi": "Văn bản trả lời kiến nghị",
    "quyet_dinh_khoi_kien": "Quyết định khởi kiện vụ án dân sự công ích",
    "don_khoi_kien": "Đơn khởi kiện của Viện kiểm sát",
    "thong_bao_thu_ly": "Thông báo thụ lý vụ án (của Tòa án)",
    "quyet_dinh_ket_thuc": "Quyết định kết thúc việc xem xét khởi kiện (không khởi kiện)",
    "khac": "Tài liệu khác",
}

FONTS = [("Liberation Sans", "liberation_sans"), ("DejaVu Serif", "dejavu_serif"),
         ("DejaVu Serif Condensed", "dejavu_serif_condensed"), ("DejaVu Sans", "dejavu_sans"),
         ("Liberation Sans Narrow", "liberation_sans_narrow"), ("DejaVu Sans Condensed", "dejavu_sans_condensed")]

# variant: (extension, dpi, bilevel, container)
VARIANTS = [
    ("pdf_scan_grey_300", ".pdf", 300, False, "pdf_image"),
    ("pdf_scan_grey_200", ".pdf", 200, False, "pdf_image"),
    ("pdf_scan_bw_300", ".pdf", 300, True, "pdf_image"),
    ("pdf_scan_bw_200", ".pdf", 200, True, "pdf_image"),
    ("tiff_g4_300", ".tif", 300, True, "tiff_g4"),
    ("tiff_g4_200", ".tif", 200, True, "tiff_g4"),
    ("tiff_grey_200", ".tif", 200, False, "tiff_jpeg"),
    ("jpeg_grey_300", ".jpg", 300, False, "jpeg"),
    ("jpeg_grey_200", ".jpg", 200, False, "jpeg"),
    ("png_bw_300", ".png", 300, True, "png"),
    ("png_grey_200", ".png", 200, False, "png"),
    ("born_digital_text", ".pdf", 300, False, "pdf_text"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=36)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hoscan", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "..", "build", "tools", "hoscan"))
    a = ap.parse_args()
    if not os.access(a.hoscan, os.X_OK):
        sys.exit(f"gen.py: {a.hoscan} is not built (run make first)")
    os.makedirs(a.out, exist_ok=True)
    r = random.Random(a.seed)
    types = [t for t in TYPES_VI if t != "khac"] * 3 + ["khac_cong_van", "khac_phieu_thu"] * 2
    r.shuffle(types)
    types = types[:a.n]
    provs = list(PROV)
    areas = list(AREA_VI)
    man = ["file\tdoc_type\tpages\tvariant"]
    for i, dtype in enumerate(types, 1):
        style = "B" if r.random() < 0.4 else "A"
        tinh = provs[i % len(provs)]
        area = r.choice(areas)
        doc = make(r, i, dtype, tinh, area, style)
        font, fontid = r.choice(FONTS)
        size = r.choice([12, 12.5, 13, 13.5, 14]) - (1 if "Sans" in font and "Narrow" not in font else 0)
        var, ext, dpi, bw, container = VARIANTS[(i + a.seed) % len(VARIANTS)]
        opts = ["--font", font, "--size", str(size), "--dpi", str(dpi), "--seed", str(a.seed * 1000 + i)]
        degr = []
        if container == "pdf_text":
            opts += ["--vector"]
        else:
            ink, paper = round(r.uniform(0.0, 0.3), 2), round(r.uniform(0.86, 1.0), 2)
            skew = round(r.uniform(-3.0, 3.0), 2) if r.random() < 0.6 else 0.0
            noise = round(r.uniform(2, 10), 1)
            speckle = r.choice([0, 0, 150, 400, 900])
            blur = 1 if r.random() < 0.3 else 0
            illum = round(r.uniform(0.1, 0.35), 2) if r.random() < 0.35 else 0
            opts += ["--ink", str(ink), "--paper", str(paper), "--skew", str(skew), "--noise", str(noise),
                     "--speckle", str(speckle), "--blur", str(blur), "--illum", str(illum),
                     "--jpeg-q", str(r.choice([45, 60, 75, 85]))]
            degr = [f"gaussian_noise:{noise}"] + ([f"speckle:{speckle}"] if speckle else []) + \
                   ([f"blur:{blur}"] if blur else []) + ([f"uneven_illumination:{illum}"] if illum else [])
            if bw:
                thr = r.choice([110, 130, 150, 170])
                opts += ["--bilevel", str(thr)]
                degr.append("bilevel")
            if r.random() < 0.15:
                opts += ["--rotate", str(r.choice([90, 180, 270])), "--rotate-page", "1"]
        with tempfile.TemporaryDirectory() as td:
            spec = os.path.join(td, "spec")
            with open(spec, "w", encoding="utf-8") as fh:
                fh.write("\n".join(doc.spec) + "\n")
            for e in ([ext] + ([".pdf"] if ext in (".jpg", ".png") else [])):
                name = "ho_%04d%s" % (i, e)
                p = subprocess.run([a.hoscan] + opts + ["--truth", os.path.join(td, "t"), "--meta",
                                   os.path.join(td, "m"), spec, os.path.join(a.out, name)])
                if p.returncode == 3:
                    continue
                if p.returncode:
                    sys.exit(f"gen.py: hoscan failed on {name}")
                break
            if e != ext:
                var = var.replace("jpeg_", "pdf_scan_").replace("png_", "pdf_scan_")
                container = "pdf_image"
            pages = [NFC(x.strip("\n")) for x in open(os.path.join(td, "t"), encoding="utf-8").read().split("\f")]
            meta = [ln.split() for ln in open(os.path.join(td, "m")).read().splitlines()]
        base_type = "khac" if dtype.startswith("khac") else dtype
        fields = {k: (NFC(v) if isinstance(v, str) else v) for k, v in doc.f.items()}
        if base_type == "don_de_nghi":
            fields["so_van_ban"] = fields["co_quan_ban_hanh"] = None
        truth = {
            "file": name, "split": "heldout_standin", "doc_type": base_type,
            "doc_type_vi": TYPES_VI[base_type], "layout_style": doc.style, "fields": fields,
            "pages": len(pages), "page_text": pages,
            "rotation": [int(m[0]) for m in meta], "skew_deg": [float(m[1]) for m in meta],
            "dpi": [None if container == "pdf_text" else dpi] * len(pages),
            "page_meta": [{"dpi": None if container == "pdf_text" else dpi, "degradations": degr,
                           "skew_deg": float(m[1]), "rotation": int(m[0])} for m in meta],
            "variant": var, "container": container, "has_text_layer": container == "pdf_text",
            "font": fontid, "body_size_pt": size,
        }
        if base_type == "khac":
            truth["subtype"] = "cong_van_so" if dtype == "khac_cong_van" else "phieu_thu"
        with open(os.path.join(a.out, name + ".truth.json"), "w", encoding="utf-8") as fh:
            json.dump(truth, fh, ensure_ascii=False, indent=1)
        man.append(f"{name}\t{base_type}\t{len(pages)}\t{var}")
        print(f"{name}\t{base_type}\t{len(pages)}\t{var}\t{font} {size}")
    with open(os.path.join(a.out, "MANIFEST.tsv"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(man) + "\n")


if __name__ == "__main__":
    main()
