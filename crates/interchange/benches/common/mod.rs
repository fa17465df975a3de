//! A generated legacy Programme 135 allocation report, in the layout
//! `interchange::legacy_p135` reads (the one of
//! `data/samples/p135_tan-son_2014.xlsx`), with any number of village rows.
//!
//! Shared by the `interchange` bench and the `import_peak_memory` example
//! (which includes this file with `#[path]`).
//!
//! Layout (0-based rows; columns A–K):
//!
//! * rows 0–1: issuing body and office on the left, the national name and
//!   motto at E;
//! * row 3: the title *… CHƯƠNG TRÌNH 135 NĂM 2014*; row 4 a reference line;
//! * row 5: *Đơn vị tính: triệu đồng* at J;
//! * rows 6–7: the header, two rows with merged cells: *STT*, *Tên xã, thôn*,
//!   *Mã xã* merged down; *Kế hoạch vốn năm 2014* over D–F and *Giải ngân đến
//!   31/12/2014* over G–I, each with *Tổng số*, *Hỗ trợ đầu tư CSHT*, *Hỗ trợ
//!   PTSX* under it; *Tỷ lệ giải ngân (%)* and *Ghi chú* merged down;
//! * row 8: the column numbers *(1) … (11)*;
//! * row 9: *TỔNG CỘNG*, the sums of the villages;
//! * then one commune row (STT `I`, `II`, …, a code, the subtotals of its
//!   villages) over [`VILLAGES_PER_COMMUNE`] village rows (STT `1`, `2`, …,
//!   names *Thôn …*, *Xóm …*, *Bản …*, *Khu …*, amounts in triệu đồng with
//!   three decimals, a rate, a note on one village in three);
//! * a blank row, then the signature block (date line, *NGƯỜI LẬP BIỂU*,
//!   *TRƯỞNG PHÒNG*, names).
//!
//! Written with `rust_xlsxwriter` in low-memory mode: rows flushed in
//! order, text in the shared string table as Excel saves it. The document's
//! creation date is fixed, so the same number of rows gives the same bytes
//! in every process (the `bench_files` example writes them for the Python
//! peers in `bench/excel/`).

use interchange::report::roman;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// Villages under each commune (the last commune may have fewer).
pub const VILLAGES_PER_COMMUNE: usize = 10;

const COMMUNE_NAMES: &[&str] = &[
    "Thu Cúc",
    "Thạch Kiệt",
    "Thu Ngạc",
    "Kiệt Sơn",
    "Đồng Sơn",
    "Tân Phú",
    "Mỹ Thuận",
    "Lai Đồng",
    "Xuân Đài",
    "Kim Thượng",
    "Minh Đài",
    "Văn Luông",
    "Long Cốc",
    "Tam Thanh",
    "Vinh Tiền",
    "Xuân Sơn",
];

const VILLAGE_PREFIXES: &[&str] = &["Thôn", "Xóm", "Bản", "Khu"];

const VILLAGE_NAMES: &[&str] = &[
    "Mít",
    "Giác",
    "Cỏi",
    "Bến Thân",
    "Chiềng",
    "Lèn",
    "Nhàng",
    "Dù",
    "Ngả Hai",
    "Đồng Phai",
    "Suối Bòng",
    "Bương",
];

/// What was written, to check an import against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P135File {
    /// The `.xlsx` bytes.
    pub bytes: Vec<u8>,
    /// Village rows (the records an import should give).
    pub villages: usize,
    /// Commune rows (the subtotals an import should give).
    pub communes: usize,
    /// Sum of the villages' planned amounts, in đồng.
    pub total_planned_dong: i64,
    /// Sum of the villages' disbursed amounts, in đồng.
    pub total_disbursed_dong: i64,
}

/// The six amounts of a row in đồng: planned total, CSHT, PTSX, then the
/// same disbursed.
type Amounts = [i64; 6];

/// A deterministic pseudo-random sequence (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A whole number in `low..high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low).unwrap_or(1).max(1);
        low + i64::try_from(self.next() % span).unwrap_or(0)
    }
}

fn village_amounts(rng: &mut Rng) -> Amounts {
    // Whole thousands of đồng, so three decimals in triệu đồng.
    let csht = rng.between(100_000, 3_000_000) * 1000;
    let ptsx = rng.between(100_000, 2_500_000) * 1000;
    let share = |rng: &mut Rng, planned: i64| planned / 1000 * rng.between(50, 101) / 100 * 1000;
    let (d_csht, d_ptsx) = (share(rng, csht), share(rng, ptsx));
    [csht + ptsx, csht, ptsx, d_csht + d_ptsx, d_csht, d_ptsx]
}

fn add(sum: &mut Amounts, row: &Amounts) {
    for (s, v) in sum.iter_mut().zip(row) {
        *s += v;
    }
}

/// Đồng as triệu đồng, the number the file holds.
fn trieu(dong: i64) -> f64 {
    // Exact: |dong| < 2^53 and the quotient is correctly rounded.
    #[allow(clippy::cast_precision_loss)]
    let value = dong as f64 / 1_000_000.0;
    value
}

/// Disbursed over planned, in per cent with one decimal.
fn rate(amounts: &Amounts) -> f64 {
    if amounts[0] == 0 {
        return 0.0;
    }
    let per_mille = (amounts[3] * 1000 + amounts[0] / 2) / amounts[0];
    #[allow(clippy::cast_precision_loss)]
    let value = per_mille as f64 / 10.0;
    value
}

fn write_amounts(ws: &mut Worksheet, row: u32, amounts: &Amounts) -> Result<(), XlsxError> {
    for (col, &dong) in (3u16..).zip(amounts) {
        ws.write_number(row, col, trieu(dong))?;
    }
    ws.write_number(row, 9, rate(amounts))?;
    Ok(())
}

/// Writes a P135 allocation report with `villages` village rows under
/// `villages / VILLAGES_PER_COMMUNE` (rounded up) commune rows.
///
/// # Errors
/// The writer's, e.g. for more rows than a sheet holds.
pub fn p135_report(villages: usize) -> Result<P135File, XlsxError> {
    let mut rng = Rng(0x135_2014);
    // Amounts first: the TỔNG CỘNG row comes before the detail.
    let amounts: Vec<Amounts> = (0..villages).map(|_| village_amounts(&mut rng)).collect();
    let communes: Vec<Amounts> = amounts
        .chunks(VILLAGES_PER_COMMUNE)
        .map(|chunk| {
            let mut sum = [0; 6];
            for v in chunk {
                add(&mut sum, v);
            }
            sum
        })
        .collect();
    let mut total = [0; 6];
    for c in &communes {
        add(&mut total, c);
    }

    let mut book = Workbook::new();
    // A fixed date instead of the current time: the same bytes every run.
    let created = ExcelDateTime::from_ymd(2014, 12, 15)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let ws = book.add_worksheet_with_low_memory()?;
    ws.set_name("BC 2014")?;
    let fmt = Format::new();
    ws.write_string(0, 0, "UBND HUYỆN TÂN SƠN")?;
    ws.write_string(0, 4, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")?;
    ws.write_string(1, 0, "PHÒNG DÂN TỘC")?;
    ws.write_string(1, 4, "Độc lập - Tự do - Hạnh phúc")?;
    ws.write_string(
        3,
        0,
        "BÁO CÁO KẾT QUẢ PHÂN BỔ VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 135 NĂM 2014",
    )?;
    ws.write_string(
        4,
        0,
        "(Kèm theo Báo cáo số 143/BC-PDT ngày 15/12/2014 của Phòng Dân tộc huyện Tân Sơn, tỉnh Phú Thọ)",
    )?;
    ws.write_string(5, 9, "Đơn vị tính: triệu đồng")?;
    let (top, bottom) = (6, 7);
    for (col, header) in [(0, "STT"), (1, "Tên xã, thôn"), (2, "Mã xã")] {
        ws.merge_range(top, col, bottom, col, header, &fmt)?;
    }
    ws.merge_range(top, 3, top, 5, "Kế hoạch vốn năm 2014", &fmt)?;
    ws.merge_range(top, 6, top, 8, "Giải ngân đến 31/12/2014", &fmt)?;
    ws.merge_range(top, 9, bottom, 9, "Tỷ lệ giải ngân (%)", &fmt)?;
    ws.merge_range(top, 10, bottom, 10, "Ghi chú", &fmt)?;
    for start in [3, 6] {
        ws.write_string(bottom, start, "Tổng số")?;
        ws.write_string(bottom, start + 1, "Hỗ trợ đầu tư CSHT")?;
        ws.write_string(bottom, start + 2, "Hỗ trợ PTSX")?;
    }
    for col in 0..11u16 {
        ws.write_string(8, col, format!("({})", col + 1))?;
    }
    ws.write_string(9, 1, "TỔNG CỘNG")?;
    write_amounts(ws, 9, &total)?;

    let mut row: u32 = 10;
    let mut village = 0usize;
    for (c, (chunk, sums)) in amounts
        .chunks(VILLAGES_PER_COMMUNE)
        .zip(&communes)
        .enumerate()
    {
        let number = u32::try_from(c + 1).unwrap_or(u32::MAX);
        let name = COMMUNE_NAMES[c % COMMUNE_NAMES.len()];
        ws.write_string(row, 0, roman(number))?;
        ws.write_string(row, 1, format!("Xã {name} {}", c / COMMUNE_NAMES.len() + 1))?;
        ws.write_string(row, 2, format!("{:05}", 8000 + c))?;
        write_amounts(ws, row, sums)?;
        row += 1;
        for (v, village_amounts) in chunk.iter().enumerate() {
            let prefix = VILLAGE_PREFIXES[village % VILLAGE_PREFIXES.len()];
            let name = VILLAGE_NAMES[village % VILLAGE_NAMES.len()];
            ws.write_string(row, 0, format!("{}", v + 1))?;
            ws.write_string(row, 1, format!("{prefix} {name} {}", village + 1))?;
            write_amounts(ws, row, village_amounts)?;
            if village.is_multiple_of(3) {
                ws.write_string(row, 10, "Thôn ĐBKK")?;
            }
            row += 1;
            village += 1;
        }
    }
    row += 1;
    ws.write_string(row, 6, "Tân Sơn, ngày 15 tháng 12 năm 2014")?;
    ws.write_string(row + 1, 1, "NGƯỜI LẬP BIỂU")?;
    ws.write_string(row + 1, 6, "TRƯỞNG PHÒNG")?;
    ws.write_string(row + 5, 1, "Nguyễn Thị Hằng")?;
    ws.write_string(row + 5, 6, "Hoàng Văn Thắng")?;
    Ok(P135File {
        bytes: book.save_to_buffer()?,
        villages,
        communes: communes.len(),
        total_planned_dong: total[0],
        total_disbursed_dong: total[3],
    })
}
