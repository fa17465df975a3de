//! Demo directives and tasks: a year of the demo province's directives with
//! every state and timeliness class present, each step taken through the
//! same rules and code as the API (so the timelines and audit rows are
//! real). Dates are relative to today, so the classes stay right.

use api::actor::Actor;
use api::routes::tasks::{
    act, record_directive, DirectiveKind, Issuer, NewDirectiveBody, NewTaskBody,
};
use chrono::{Days, NaiveDate};
use domain::tasks::{Priority, ReportingCycle, TaskAction};
use persistence::units::UnitId;
use persistence::DbConnection;

/// What happens to a demo task after it is assigned.
#[derive(Clone, Copy)]
enum Script {
    /// Nothing yet.
    Untouched,
    /// Accepted, progress reported.
    Working(u8),
    /// Working, with a difficulty reported.
    Stuck,
    /// Completion proposed, awaiting the specialist.
    Proposed,
    /// Reviewed, awaiting the leadership.
    Reviewed,
    /// Confirmed complete.
    Done,
    /// An extension asked for and granted, then work goes on.
    Extended,
    /// The agency asks to hand the task over.
    Declining,
    /// Cancelled by the Office.
    Cancelled,
}

struct DemoTask {
    content: &'static str,
    lead: &'static str,
    coordinators: &'static [&'static str],
    /// Days from today; None: a standing task.
    deadline: Option<i64>,
    script: Script,
}

struct DemoDirective {
    number: &'static str,
    kind: DirectiveKind,
    issuer: Issuer,
    /// Days before today.
    age: u64,
    summary: &'static str,
    tasks: &'static [DemoTask],
}

const FIN: &str = "Sở Tài chính";
const XD: &str = "Sở Xây dựng";
const NV: &str = "Sở Nội vụ";
const GD: &str = "Sở Giáo dục và Đào tạo";
const NN: &str = "Sở Nông nghiệp và Môi trường";
const CA: &str = "Công an tỉnh";
const XA: &str = "Xã Tân Sơn";

const fn t(
    content: &'static str,
    lead: &'static str,
    coordinators: &'static [&'static str],
    deadline: Option<i64>,
    script: Script,
) -> DemoTask {
    DemoTask {
        content,
        lead,
        coordinators,
        deadline,
        script,
    }
}

const DIRECTIVES: &[DemoDirective] = &[
    DemoDirective {
        number: "125/TB-UBND",
        kind: DirectiveKind::ConclusionNotice,
        issuer: Issuer::Chair,
        age: 300,
        summary: "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về tiến độ giải ngân vốn đầu tư công",
        tasks: &[
            t("Rà soát, điều chuyển vốn của các dự án giải ngân chậm sang dự án có khả năng giải ngân", FIN, &[XD], Some(-200), Script::Done),
            t("Báo cáo tình hình giải ngân vốn đầu tư công định kỳ hằng tháng", FIN, &[], None, Script::Working(60)),
            t("Đôn đốc các chủ đầu tư hoàn thiện hồ sơ thanh toán khối lượng hoàn thành", XD, &[FIN], Some(-150), Script::Untouched),
        ],
    },
    DemoDirective {
        number: "2145/UBND-KTTH",
        kind: DirectiveKind::OfficialLetter,
        issuer: Issuer::ViceChair,
        age: 240,
        summary: "Về việc tăng cường quản lý chất lượng công trình xây dựng",
        tasks: &[
            t("Kiểm tra chất lượng các công trình giao thông nông thôn năm 2026", XD, &[NN], Some(25), Script::Untouched),
            t("Tổng hợp danh mục công trình chậm tiến độ, đề xuất biện pháp xử lý", FIN, &[XD], Some(-10), Script::Stuck),
        ],
    },
    DemoDirective {
        number: "08/CT-UBND",
        kind: DirectiveKind::Directive,
        issuer: Issuer::Chair,
        age: 210,
        summary: "Chỉ thị về tăng cường kỷ luật, kỷ cương hành chính trong thực hiện nhiệm vụ được giao",
        tasks: &[
            t("Xây dựng kế hoạch kiểm tra công vụ năm 2026", NV, &[], Some(-120), Script::Cancelled),
            t("Thực hiện nghiêm chế độ báo cáo định kỳ về tình hình thực hiện nhiệm vụ", XA, &[], None, Script::Working(30)),
        ],
    },
    DemoDirective {
        number: "412/TB-UBND",
        kind: DirectiveKind::ConclusionNotice,
        issuer: Issuer::ViceChair,
        age: 150,
        summary: "Kết luận của Phó Chủ tịch UBND tỉnh về chuẩn bị năm học mới",
        tasks: &[
            t("Rà soát cơ sở vật chất trường học vùng khó khăn", GD, &[FIN], Some(-60), Script::Untouched),
            t("Bố trí kinh phí sửa chữa phòng học xuống cấp", FIN, &[GD], Some(15), Script::Done),
        ],
    },
    DemoDirective {
        number: "3560/UBND-VP",
        kind: DirectiveKind::OfficialLetter,
        issuer: Issuer::Committee,
        age: 90,
        summary: "Về việc triển khai thực hiện Chương trình mục tiêu quốc gia giai đoạn 2026–2030",
        tasks: &[
            t("Hướng dẫn phân bổ vốn sự nghiệp cho các xã đặc biệt khó khăn", FIN, &[NN], Some(12), Script::Proposed),
            t("Rà soát danh sách thôn, bản đặc biệt khó khăn trên địa bàn xã", XA, &[], Some(2), Script::Working(80)),
            t("Tổng hợp nhu cầu hỗ trợ phát triển sản xuất", NN, &[FIN], Some(45), Script::Untouched),
        ],
    },
    DemoDirective {
        number: "27/KL-UBND",
        kind: DirectiveKind::MeetingConclusion,
        issuer: Issuer::Chair,
        age: 60,
        summary: "Kết luận cuộc họp giao ban tháng về an ninh trật tự và phòng chống thiên tai",
        tasks: &[
            t("Xây dựng phương án bảo đảm an ninh trật tự dịp cuối năm", CA, &[], Some(30), Script::Untouched),
            t("Kiểm tra công tác phòng chống thiên tai tại các xã vùng núi", XA, &[NN], Some(-5), Script::Done),
            t("Bố trí kinh phí khắc phục hậu quả mưa lũ", FIN, &[NN], Some(20), Script::Reviewed),
        ],
    },
    DemoDirective {
        number: "5011/UBND-KTTH",
        kind: DirectiveKind::OfficialLetter,
        issuer: Issuer::ViceChair,
        age: 30,
        summary: "Về việc đẩy nhanh tiến độ quyết toán dự án hoàn thành",
        tasks: &[
            t("Thẩm tra quyết toán các dự án hoàn thành trước năm 2025", FIN, &[XD], Some(3), Script::Extended),
            t("Chuyển giao nhiệm vụ quản lý dự án sau sắp xếp bộ máy", FIN, &[NV], Some(40), Script::Declining),
        ],
    },
    DemoDirective {
        number: "61/TB-UBND",
        kind: DirectiveKind::ConclusionNotice,
        issuer: Issuer::Chair,
        age: 10,
        summary: "Kết luận của Chủ tịch UBND tỉnh về chuyển đổi số trong cơ quan nhà nước",
        tasks: &[
            t("Hoàn thành kết nối hệ thống theo dõi nhiệm vụ với các sở, ngành", FIN, &[NV], Some(60), Script::Working(20)),
            t("Số hóa hồ sơ thủ tục hành chính cấp xã", XA, &[], Some(75), Script::Untouched),
        ],
    },
];

fn day(today: NaiveDate, offset: i64) -> NaiveDate {
    if offset >= 0 {
        today
            .checked_add_days(Days::new(offset.unsigned_abs()))
            .unwrap_or(today)
    } else {
        today
            .checked_sub_days(Days::new(offset.unsigned_abs()))
            .unwrap_or(today)
    }
}

struct Cast {
    specialist: Actor,
    office_leader: Actor,
    /// Lead-agency officers and leaders by unit name.
    staff: Vec<(&'static str, Actor, Option<Actor>)>,
}

use super::actor;

fn unit(conn: &mut DbConnection, province: UnitId, name: &str) -> anyhow::Result<UnitId> {
    super::unit_for(conn, province, name)
}

fn step(conn: &mut DbConnection, who: &Actor, task: i64, action: TaskAction) -> anyhow::Result<()> {
    act(conn, who, task, &action)
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("demo step on task {task}: {e}"))
}

fn text(s: &str) -> String {
    s.to_owned()
}

fn run_script(
    conn: &mut DbConnection,
    cast: &Cast,
    task: i64,
    lead: &str,
    script: Script,
    late: bool,
) -> anyhow::Result<()> {
    if let Script::Cancelled = script {
        let reason = text("Đã được thay thế bằng kế hoạch chung của tỉnh");
        return step(
            conn,
            &cast.office_leader,
            task,
            TaskAction::Cancel { reason },
        );
    }
    // Agencies without demo accounts have not taken their tasks up.
    let Some((_, officer, leader)) = cast.staff.iter().find(|(name, _, _)| *name == lead) else {
        return Ok(());
    };
    let leader = leader.as_ref().unwrap_or(officer);
    let office = &cast.office_leader;
    let specialist = &cast.specialist;
    let progress = |conn: &mut DbConnection, percent| {
        step(conn, officer, task, TaskAction::Accept)?;
        step(
            conn,
            officer,
            task,
            TaskAction::ReportProgress {
                percent,
                note: text("Đang triển khai theo kế hoạch"),
            },
        )
    };
    let propose = |conn: &mut DbConnection| {
        step(
            conn,
            officer,
            task,
            TaskAction::ProposeCompletion {
                result: text("Đã hoàn thành, kèm báo cáo kết quả"),
                explanation: late
                    .then(|| text("Chậm do phải chờ ý kiến của các bộ, ngành trung ương")),
            },
        )
    };
    match script {
        Script::Untouched => {}
        Script::Working(p) => progress(conn, p)?,
        Script::Stuck => {
            progress(conn, 35)?;
            step(
                conn,
                officer,
                task,
                TaskAction::ReportDifficulty {
                    note: text("Vướng mắc về thủ tục điều chỉnh chủ trương đầu tư"),
                },
            )?;
            step(
                conn,
                specialist,
                task,
                TaskAction::Remind {
                    note: text("Đề nghị khẩn trương báo cáo kết quả"),
                },
            )?;
        }
        Script::Proposed => {
            progress(conn, 90)?;
            propose(conn)?;
        }
        Script::Reviewed => {
            progress(conn, 90)?;
            propose(conn)?;
            step(
                conn,
                specialist,
                task,
                TaskAction::Review {
                    accept: true,
                    reason: None,
                },
            )?;
        }
        Script::Done => {
            progress(conn, 70)?;
            propose(conn)?;
            step(
                conn,
                specialist,
                task,
                TaskAction::Review {
                    accept: true,
                    reason: None,
                },
            )?;
            step(conn, office, task, TaskAction::Confirm)?;
        }
        Script::Extended => {
            progress(conn, 50)?;
            let today = domain::tasks::local_today(chrono::Utc::now().naive_utc());
            step(
                conn,
                leader,
                task,
                TaskAction::RequestExtension {
                    new_deadline: day(today, 20),
                    reason: text("Khối lượng hồ sơ lớn, cần thêm thời gian thẩm tra"),
                },
            )?;
            step(
                conn,
                office,
                task,
                TaskAction::DecideExtension {
                    approve: true,
                    reason: None,
                },
            )?;
        }
        Script::Declining => {
            step(
                conn,
                leader,
                task,
                TaskAction::ProposeDecline {
                    reason: text("Nhiệm vụ thuộc chức năng của Sở Nội vụ sau sắp xếp"),
                },
            )?;
        }
        Script::Cancelled => {
            step(
                conn,
                office,
                task,
                TaskAction::Cancel {
                    reason: text("Đã được thay thế bằng kế hoạch chung của tỉnh"),
                },
            )?;
        }
    }
    Ok(())
}

/// Loads the demo directives once (skipped when any directive exists).
pub fn load(conn: &mut DbConnection, province: UnitId) -> anyhow::Result<usize> {
    let (existing, _) = persistence::tasks::list_directives(conn, None, None, 1, 0)?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let today = domain::tasks::local_today(chrono::Utc::now().naive_utc());
    let office = unit(conn, province, "Văn phòng UBND tỉnh Phú Thọ")?;
    let cast = Cast {
        specialist: actor(conn, "vp.chuyenvien")?,
        office_leader: actor(conn, "vp.lanhdao")?,
        staff: vec![
            (
                FIN,
                actor(conn, "sotc.canbo")?,
                Some(actor(conn, "sotc.lanhdao")?),
            ),
            (XA, actor(conn, "xa.tanson")?, None),
        ],
    };
    let specialist_id = cast.specialist.user_id();
    let mut created = 0;
    for d in DIRECTIVES {
        let mut tasks = Vec::with_capacity(d.tasks.len());
        for task in d.tasks {
            let mut coordinators = Vec::new();
            for name in task.coordinators {
                coordinators.push(unit(conn, province, name)?);
            }
            tasks.push(NewTaskBody {
                content: task.content.into(),
                lead_unit_id: unit(conn, province, task.lead)?,
                coordinating_unit_ids: coordinators,
                specialist_id,
                deadline: task.deadline.map(|d| day(today, d)),
                reporting_cycle: task.deadline.is_none().then_some(ReportingCycle::Monthly),
                priority: if task.deadline.is_some_and(|d| d < 0) {
                    Priority::High
                } else {
                    Priority::Normal
                },
                tags: Vec::new(),
                attachment_ids: Vec::new(),
            });
        }
        let body = NewDirectiveBody {
            issuing_unit_id: province,
            office_unit_id: office,
            issuer: d.issuer,
            issuer_name: match d.issuer {
                Issuer::Chair => "Chủ tịch UBND tỉnh".into(),
                Issuer::ViceChair => "Phó Chủ tịch UBND tỉnh".into(),
                Issuer::Committee => "UBND tỉnh".into(),
            },
            kind: d.kind,
            number: d.number.into(),
            issued_on: day(today, -i64::try_from(d.age).unwrap_or(0)),
            summary: d.summary.into(),
            tasks,
            attachment_ids: Vec::new(),
        };
        let directive = record_directive(conn, &cast.specialist, &body)
            .map_err(|e| anyhow::anyhow!("demo directive {}: {e}", d.number))?;
        for (task, demo) in directive.tasks.iter().zip(d.tasks) {
            let late = demo.deadline.is_some_and(|d| d < 0);
            run_script(conn, &cast, task.id, demo.lead, demo.script, late)?;
            created += 1;
        }
    }
    Ok(created)
}
