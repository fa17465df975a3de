//! `server import FILE …`: the import of a legacy report from the command
//! line, through the same preview and commit as `POST /api/v1/imports`,
//! acting as a named account (its grants decide what it may import).

use std::path::PathBuf;

use anyhow::Context;
use api::routes::imports::{
    commit_import, preview_upload, view, CommitBody, ImportContext, ImportKind, ImportPreview,
};
use persistence::Db;

/// What to import and how.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The report (.xlsx, .xls, .ods).
    pub file: PathBuf,
    /// The account the import is made as (its grants apply).
    #[arg(long = "as")]
    pub username: String,
    /// `p135_allocation_report`, `directive_task_list` or
    /// `ntm_criteria_matrix`; read from the content when absent.
    #[arg(long)]
    pub kind: Option<String>,
    /// The unit the report is about; read from its heading when absent.
    #[arg(long)]
    pub org_unit_id: Option<i64>,
    /// Programme 135 reports: the programme (default P135).
    #[arg(long)]
    pub programme_id: Option<i64>,
    /// Programme 135 reports: the fund source.
    #[arg(long)]
    pub source_id: Option<i64>,
    /// NTM matrices: the round to record into.
    #[arg(long)]
    pub round_id: Option<i64>,
    /// Write the records (otherwise only the preview is shown).
    #[arg(long)]
    pub commit: bool,
    /// Commit even though the file's totals do not add up.
    #[arg(long)]
    pub accept_mismatches: bool,
}

fn api_error(e: api::ApiError) -> anyhow::Error {
    let fields: Vec<String> = e.errors.iter().map(|f| f.message.clone()).collect();
    anyhow::anyhow!(
        "{}{}{}",
        e.detail
            .clone()
            .unwrap_or_else(|| e.code.title().to_owned()),
        if fields.is_empty() { "" } else { "\n  " },
        fields.join("\n  ")
    )
}

/// Prints what a preview (or a commit) says, in the clerk's order.
pub fn describe(p: &ImportPreview) -> String {
    let mut out = format!(
        "Lần nhập / import #{}: {} ({}), trạng thái / status {}\n",
        p.id,
        p.body.file_name,
        p.body.kind.as_str(),
        p.status
    );
    if let Some(unit) = &p.body.unit {
        out.push_str(&format!("Đơn vị / unit: {} (#{})\n", unit.name, unit.id));
    }
    out.push_str(&format!(
        "Tổng hợp / summary: {}\n",
        serde_json::to_string(&p.body.summary).unwrap_or_default()
    ));
    for (label, issues) in [
        ("Lỗi / error", &p.body.errors),
        ("Cảnh báo / warning", &p.body.warnings),
    ] {
        for i in issues {
            out.push_str(&format!("{label} [{}]: {}\n", i.code, i.message));
        }
    }
    if let Some(result) = &p.result {
        out.push_str(&format!(
            "Đã ghi / written: {}; không đổi / unchanged: {}\n",
            serde_json::to_string(&result.created).unwrap_or_default(),
            serde_json::to_string(&result.unchanged).unwrap_or_default()
        ));
    }
    out
}

/// Previews the file and, when asked, commits it; returns the import.
pub async fn run(
    db: &Db,
    blobs: &storage::BlobStore,
    args: ImportArgs,
) -> anyhow::Result<ImportPreview> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let file_name = args.file.file_name().map_or_else(
        || "import.xlsx".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let kind = match &args.kind {
        Some(code) => {
            Some(ImportKind::parse(code).with_context(|| format!("unknown kind {code}"))?)
        }
        None => None,
    };
    let username = args.username.clone();
    let actor = db
        .run(move |conn| -> anyhow::Result<api::actor::Actor> {
            let user = persistence::identity::find_user_by_username(conn, &username)?
                .with_context(|| format!("no account {username}"))?;
            api::actor::load_actor(
                conn,
                auth::jwt::Principal::User(user.id),
                api::actor::RequestMeta::default(),
            )
            .map_err(api_error)
        })
        .await?;
    let ctx = ImportContext {
        org_unit_id: args.org_unit_id,
        programme_id: args.programme_id,
        source_id: args.source_id,
        round_id: args.round_id,
    };
    let preview = preview_upload(db, blobs, actor.clone(), bytes, file_name, kind, ctx)
        .await
        .map_err(api_error)?;
    if !args.commit {
        return Ok(preview);
    }
    let id = preview.id;
    let body = CommitBody {
        accept_mismatches: args.accept_mismatches,
    };
    let row = db
        .write(move |conn| {
            commit_import(conn, &actor, id, &body, &|done, total| {
                eprint!("\rĐang ghi / committing: {}/{}", done, total);
            })
        })
        .await
        .map_err(api_error)?;
    eprintln!();
    view(row).map_err(api_error)
}
