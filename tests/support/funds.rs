//! Programme money for tests: a programme of the test's own (so the demo's
//! Programme 135 never enters its sums), the bodies of its ledger entries,
//! and the ledger's invariants written in SQL.

use serde_json::{json, Value};

use crate::TestApp;

/// The budget year every test books its money in.
pub const YEAR: i32 = 2026;

/// A programme of the test's own, with the key fields of its money.
#[derive(Debug, Clone, Copy)]
pub struct Fund {
    pub programme: i64,
    pub component: i64,
    pub source: i64,
}

impl Fund {
    /// The key fields every entry carries, merged with `extra`.
    pub fn body(&self, extra: Value) -> Value {
        let mut body = json!({
            "programme_id": self.programme,
            "year": YEAR,
            "component_id": self.component,
            "source_id": self.source,
        });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        body
    }

    /// An allocation from `from` (from above when `None`) to `to`
    /// (`{"to_unit_id": …}` or `{"to_project_id": …}`).
    pub fn allocation(&self, from: Option<i64>, to: Value, amount: i64) -> Value {
        let mut body = self.body(json!({
            "from_unit_id": from,
            "amount": amount,
            "decision_number": "01/QĐ-UBND",
            "decision_date": format!("{YEAR}-02-15"),
        }));
        if let (Some(body), Value::Object(to)) = (body.as_object_mut(), to) {
            body.extend(to);
        }
        body
    }

    /// A disbursement by `spender` (`{"unit_id": …}` or `{"project_id": …}`).
    pub fn disbursement(&self, spender: Value, amount: i64, reversal: bool) -> Value {
        let mut body = self.body(json!({
            "amount": amount,
            "reversal": reversal,
            "paid_on": format!("{YEAR}-06-30"),
            "voucher": "KBNN-0001",
        }));
        if let (Some(body), Value::Object(spender)) = (body.as_object_mut(), spender) {
            body.extend(spender);
        }
        body
    }
}

/// Defines a programme `code` with one component (as the fund manager)
/// and looks up the central investment source.
pub async fn programme(app: &TestApp, token: &str, code: &str) -> Fund {
    let created = TestApp::expect(
        app.post_as(
            token,
            "/api/v1/programmes",
            &json!({
                "code": code,
                "name": format!("Chương trình thử {code}"),
                "legal_basis": "Quyết định thử nghiệm",
                "phases": [{"name": "Giai đoạn I", "start_year": 2026, "end_year": 2030}],
                "components": [
                    {"code": "CSHT", "name": "Đầu tư cơ sở hạ tầng"},
                    {"code": "DTBD", "name": "Duy tu, bảo dưỡng", "parent_code": "CSHT"}
                ]
            }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["code"], code);
    let component = created["components"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["code"] == "CSHT"))
        .and_then(|c| c["id"].as_i64());
    let sources = TestApp::expect(app.get_as(token, "/api/v1/fund-sources").await, 200).await;
    let source = sources
        .as_array()
        .and_then(|ss| ss.iter().find(|s| s["code"] == "NSTW_DTPT"))
        .and_then(|s| s["id"].as_i64());
    match (created["id"].as_i64(), component, source) {
        (Some(programme), Some(component), Some(source)) => Fund {
            programme,
            component,
            source,
        },
        _ => panic!("programme {code} without component CSHT or source NSTW_DTPT: {created}"),
    }
}

/// Units that pass on or pay out more than they received, per programme
/// year, component and source.
pub const OVERDRAWN: &str = "SELECT COUNT(*) AS n FROM (
    SELECT u.unit_id,
      (SELECT COALESCE(SUM(a.amount), 0) FROM fund_allocations a
        WHERE a.to_unit_id = u.unit_id AND a.year = u.year
          AND a.component_id = u.component_id AND a.source_id = u.source_id) AS received,
      (SELECT COALESCE(SUM(a.amount), 0) FROM fund_allocations a
        WHERE a.from_unit_id = u.unit_id AND a.year = u.year
          AND a.component_id = u.component_id AND a.source_id = u.source_id)
      + (SELECT COALESCE(SUM(d.amount), 0) FROM fund_disbursements d
        WHERE d.unit_id = u.unit_id AND d.year = u.year
          AND d.component_id = u.component_id AND d.source_id = u.source_id) AS spent
    FROM (SELECT DISTINCT to_unit_id AS unit_id, year, component_id, source_id
          FROM fund_allocations WHERE to_unit_id IS NOT NULL) u
  ) t WHERE spent > received";

/// Ledger rows without exactly one audit row of their own, and audit rows
/// of ledger entries that are not in the ledger: allocations (created
/// or adjustments) and disbursements. Zero when every entry written was
/// audited in its transaction and nothing audited was lost (an import's
/// rollback removes entries and keeps their audit rows: not after one).
pub const UNAUDITED: &str = "SELECT
    (SELECT COUNT(*) FROM fund_allocations a WHERE (SELECT COUNT(*) FROM audit_log l
       WHERE l.entity = 'allocation' AND l.entity_id = CAST(a.id AS TEXT)) <> 1)
  + (SELECT COUNT(*) FROM fund_disbursements d WHERE (SELECT COUNT(*) FROM audit_log l
       WHERE l.entity = 'disbursement' AND l.entity_id = CAST(d.id AS TEXT)) <> 1)
  + (SELECT COUNT(*) FROM audit_log l WHERE l.entity = 'allocation' AND NOT EXISTS
       (SELECT 1 FROM fund_allocations a WHERE CAST(a.id AS TEXT) = l.entity_id))
  + (SELECT COUNT(*) FROM audit_log l WHERE l.entity = 'disbursement' AND NOT EXISTS
       (SELECT 1 FROM fund_disbursements d WHERE CAST(d.id AS TEXT) = l.entity_id))
  AS n";
