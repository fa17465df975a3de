#!/usr/bin/env python3
"""Writes a synthetic task CSV for the Redmine peer (load.sh).

    python3 bench/redmine/sample_csv.py [ROWS] [SEED] > tasks.csv

Columns: id,province_code,lead_unit,directive_number,content,state,deadline,
progress_percent,completed_on,created_at. The 34 provinces of 1 July 2025;
province 25 (Phú Thọ, the demo province) holds about a tenth of the rows, the
others share the rest. About 15 % of tasks are in_progress. Deterministic for
a given seed.
"""
import csv
import datetime as dt
import random
import sys

PROVINCES = [
    "01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25",
    "31", "33", "37", "38", "40", "42", "44", "46", "48", "51", "52", "56",
    "66", "68", "75", "79", "80", "82", "86", "91", "92", "96",
]
DEMO = "25"

LEAD_UNITS = [
    "Sở Tài chính", "Sở Xây dựng", "Sở Nội vụ", "Sở Giáo dục và Đào tạo",
    "Sở Y tế", "Sở Tư pháp", "Sở Công Thương", "Sở Nông nghiệp và Môi trường",
    "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Dân tộc và Tôn giáo", "Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh",
    "Văn phòng UBND tỉnh", "Thanh tra tỉnh", "Ban Quản lý các khu công nghiệp",
    "UBND xã Hùng Sơn", "UBND phường Việt Trì", "UBND xã Thanh Sơn",
    "UBND phường Vĩnh Yên",
]

VERBS = [
    "Tham mưu", "Chủ trì, phối hợp", "Khẩn trương hoàn thiện", "Rà soát",
    "Tổ chức triển khai", "Đôn đốc", "Kiểm tra, đánh giá", "Xây dựng",
    "Báo cáo UBND tỉnh kết quả", "Đề xuất, kiến nghị về",
]
OBJECTS = [
    "kế hoạch giải ngân vốn đầu tư công năm {y}",
    "phương án bố trí kinh phí khắc phục hậu quả mưa lũ",
    "đề án sắp xếp đơn vị hành chính cấp xã",
    "hồ sơ đề nghị công nhận xã đạt chuẩn nông thôn mới nâng cao",
    "việc cải tạo, sửa chữa trường học xuống cấp",
    "danh mục dự án kêu gọi đầu tư giai đoạn {y}-{y2}",
    "kết quả thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững",
    "công tác phòng, chống dịch bệnh trên đàn gia súc",
    "việc cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân",
    "quy chế phối hợp quản lý cụm công nghiệp",
    "dự thảo Nghị quyết của HĐND tỉnh về chính sách hỗ trợ",
    "báo cáo tình hình kinh tế - xã hội quý {q} năm {y}",
    "việc chuyển đổi số trong giải quyết thủ tục hành chính",
    "công tác bồi thường, giải phóng mặt bằng dự án đường tỉnh",
    "phương án bảo đảm an toàn giao thông dịp Tết Nguyên đán",
]
TAILS = [
    "", "", " theo đúng quy định",
    "; báo cáo kết quả về Văn phòng UBND tỉnh",
    ", bảo đảm tiến độ, chất lượng và hiệu quả",
    "; trường hợp vượt thẩm quyền, kịp thời báo cáo, đề xuất UBND tỉnh xem xét",
]
DIRECTIVE_KINDS = ["TB-UBND", "CT-UBND", "KH-UBND", "QĐ-UBND", "VP-KGVX", "VP-KT"]

# (state, weight): in_progress about 15 %.
STATES = [
    ("assigned", 10), ("in_progress", 15), ("completion_proposed", 5),
    ("reviewed", 3), ("completed", 60), ("decline_proposed", 2), ("cancelled", 5),
]


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
    rnd = random.Random(seed)
    states, weights = zip(*STATES)
    others = [p for p in PROVINCES if p != DEMO]
    start = dt.datetime(2019, 1, 1)
    span = int((dt.datetime(2025, 11, 1) - start).total_seconds())
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["id", "province_code", "lead_unit", "directive_number", "content",
                "state", "deadline", "progress_percent", "completed_on", "created_at"])
    for i in range(1, rows + 1):
        province = DEMO if rnd.random() < 0.10 else rnd.choice(others)
        created = start + dt.timedelta(seconds=rnd.randrange(span))
        y = created.year
        state = rnd.choices(states, weights)[0]
        content = (rnd.choice(VERBS) + " " +
                   rnd.choice(OBJECTS).format(y=y, y2=y + 4, q=(created.month - 1) // 3 + 1) +
                   rnd.choice(TAILS) + ".")
        number = f"{rnd.randint(1, 999)}/{rnd.choice(DIRECTIVE_KINDS)}"
        deadline = ""
        if rnd.random() < 0.9:  # a tenth are standing tasks, without deadline
            deadline = (created.date() + dt.timedelta(days=rnd.randint(7, 240))).isoformat()
        completed_on = ""
        if state == "completed":
            progress = 100
            done = created.date() + dt.timedelta(days=rnd.randint(5, 260))
            completed_on = done.isoformat()
        elif state in ("completion_proposed", "reviewed"):
            progress = 100
        elif state == "in_progress":
            progress = rnd.randrange(10, 95, 5)
        elif state in ("decline_proposed", "cancelled"):
            progress = rnd.choice([0, 0, 10, 20])
        else:
            progress = 0
        w.writerow([i, province, rnd.choice(LEAD_UNITS), number, content, state,
                    deadline, progress, completed_on,
                    created.strftime("%Y-%m-%d %H:%M:%S")])


if __name__ == "__main__":
    main()
