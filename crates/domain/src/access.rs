//! The permission policy, as pure functions.
//!
//! A user (or service account) holds [`Grant`]s: a [`Role`] on a unit,
//! covering the unit's whole subtree. [`role_allows`] is the policy table of
//! which role may perform which [`Action`]; [`authorize`] combines it with
//! the grants' scope for one target, [`scope_units`] gives the subtrees a
//! list query must be filtered to, and [`authorize_grant`] decides who may
//! hand out which role.
//!
//! Denials come in two kinds: [`Denial::OutOfScope`] (the target is outside
//! every grant; the API answers 404 so that ids reveal nothing) and
//! [`Denial::Forbidden`] (visible, but the role does not allow the action;
//! 403).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::units::UnitId;

/// A role that can be granted on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// *Quản trị hệ thống*: system administrator; may do everything.
    SystemAdmin,
    /// *Lãnh đạo UBND*: chair or vice-chair of the People's Committee.
    CommitteeLeader,
    /// *Lãnh đạo Văn phòng*: head or deputy head of the Committee's Office.
    OfficeLeader,
    /// *Chuyên viên theo dõi*: Office specialist who follows up directives.
    OfficeSpecialist,
    /// *Lãnh đạo cơ quan*: head or deputy head of an agency.
    AgencyLeader,
    /// *Cán bộ cơ quan*: officer of an agency.
    AgencyOfficer,
    /// *Quản lý vốn chương trình*: manages programme funds.
    FundManager,
    /// *Điều phối nông thôn mới*: New Rural Development coordination.
    NtmCoordinator,
    /// *Thẩm định sở ngành*: appraiser in a provincial department.
    DepartmentAppraiser,
    /// *Cán bộ xã*: commune officer.
    CommuneOfficer,
    /// *Xem báo cáo*: may only view reports.
    Viewer,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 11] = [
        Role::SystemAdmin,
        Role::CommitteeLeader,
        Role::OfficeLeader,
        Role::OfficeSpecialist,
        Role::AgencyLeader,
        Role::AgencyOfficer,
        Role::FundManager,
        Role::NtmCoordinator,
        Role::DepartmentAppraiser,
        Role::CommuneOfficer,
        Role::Viewer,
    ];

    /// The stable code, as stored and serialised, e.g. `"office_leader"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::CommitteeLeader => "committee_leader",
            Role::OfficeLeader => "office_leader",
            Role::OfficeSpecialist => "office_specialist",
            Role::AgencyLeader => "agency_leader",
            Role::AgencyOfficer => "agency_officer",
            Role::FundManager => "fund_manager",
            Role::NtmCoordinator => "ntm_coordinator",
            Role::DepartmentAppraiser => "department_appraiser",
            Role::CommuneOfficer => "commune_officer",
            Role::Viewer => "viewer",
        }
    }

    /// The role with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Lãnh đạo Văn phòng"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            Role::SystemAdmin => "Quản trị hệ thống",
            Role::CommitteeLeader => "Lãnh đạo UBND",
            Role::OfficeLeader => "Lãnh đạo Văn phòng",
            Role::OfficeSpecialist => "Chuyên viên theo dõi",
            Role::AgencyLeader => "Lãnh đạo cơ quan",
            Role::AgencyOfficer => "Cán bộ cơ quan",
            Role::FundManager => "Quản lý vốn chương trình",
            Role::NtmCoordinator => "Điều phối nông thôn mới",
            Role::DepartmentAppraiser => "Thẩm định sở ngành",
            Role::CommuneOfficer => "Cán bộ xã",
            Role::Viewer => "Xem báo cáo",
        }
    }

    /// The roles a holder of this role may grant to others (within the
    /// subtree of their own grant, see [`authorize_grant`]).
    pub const fn delegable(self) -> &'static [Role] {
        match self {
            Role::SystemAdmin => &Role::ALL,
            Role::OfficeLeader => &[Role::OfficeSpecialist, Role::Viewer],
            Role::AgencyLeader => &[Role::AgencyOfficer, Role::Viewer],
            Role::CommitteeLeader
            | Role::OfficeSpecialist
            | Role::AgencyOfficer
            | Role::FundManager
            | Role::NtmCoordinator
            | Role::DepartmentAppraiser
            | Role::CommuneOfficer
            | Role::Viewer => &[],
        }
    }
}

/// Something an actor may try to do. Workflow actions will be added here;
/// each new action needs one arm in [`role_allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See units and the unit tree.
    ViewUnits,
    /// Create, rename, close and merge units.
    ManageUnits,
    /// See user accounts.
    ViewUsers,
    /// Create, change and deactivate user accounts.
    ManageUsers,
    /// Grant and revoke roles.
    ManageGrants,
    /// Read the audit log.
    ViewAudit,
    /// Create and revoke service accounts for integrations.
    ManageServiceAccounts,
    /// Issue and revoke tokens for public display boards.
    ManageBoardTokens,
    /// See directives and tasks (within scope: the issuing, lead,
    /// coordinating or follow-up unit).
    ViewTasks,
    /// Enter directives and assign their tasks on behalf of the committee.
    ManageDirectives,
    /// Read programme fund figures and reports in scope.
    ViewFunds,
    /// Record allocations, adjustments and projects.
    ManageFunds,
    /// Record disbursements (*giải ngân*) of a unit or its projects.
    RecordDisbursements,
    /// Define programmes, phases, components and fund sources (global data).
    ManageProgrammes,
    /// Read NTM criteria sets, rounds, evaluations and statistics in scope.
    ViewNtm,
    /// Define NTM criteria sets and evaluation rounds, reopen a unit's
    /// entry after the close date, and raise tasks from unmet criteria.
    ManageNtm,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 16] = [
        Action::ViewUnits,
        Action::ManageUnits,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ManageGrants,
        Action::ViewAudit,
        Action::ManageServiceAccounts,
        Action::ManageBoardTokens,
        Action::ViewTasks,
        Action::ManageDirectives,
        Action::ViewFunds,
        Action::ManageFunds,
        Action::RecordDisbursements,
        Action::ManageProgrammes,
        Action::ViewNtm,
        Action::ManageNtm,
    ];

    /// The stable code, e.g. `"manage_grants"` (for logs and the audit trail).
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::ViewUnits => "view_units",
            Action::ManageUnits => "manage_units",
            Action::ViewUsers => "view_users",
            Action::ManageUsers => "manage_users",
            Action::ManageGrants => "manage_grants",
            Action::ViewAudit => "view_audit",
            Action::ManageServiceAccounts => "manage_service_accounts",
            Action::ManageBoardTokens => "manage_board_tokens",
            Action::ViewTasks => "view_tasks",
            Action::ManageDirectives => "manage_directives",
            Action::ViewFunds => "view_funds",
            Action::ManageFunds => "manage_funds",
            Action::RecordDisbursements => "record_disbursements",
            Action::ManageProgrammes => "manage_programmes",
            Action::ViewNtm => "view_ntm",
            Action::ManageNtm => "manage_ntm",
        }
    }
}

/// The policy table: whether `role` may perform `action` at all, wherever
/// the role is granted.
///
/// | Action | Roles |
/// |---|---|
/// | ViewUnits | every role |
/// | ManageUnits, ViewAudit, ManageServiceAccounts | SystemAdmin |
/// | ViewUsers | SystemAdmin, CommitteeLeader, OfficeLeader, AgencyLeader |
/// | ManageUsers, ManageGrants | SystemAdmin, OfficeLeader, AgencyLeader |
/// | ManageBoardTokens | SystemAdmin, OfficeLeader |
/// | ViewTasks | every role |
/// | ManageDirectives | SystemAdmin, CommitteeLeader, OfficeLeader, OfficeSpecialist |
/// | ViewFunds | every role |
/// | ManageFunds, ManageProgrammes | SystemAdmin, FundManager |
/// | RecordDisbursements | SystemAdmin, FundManager, CommuneOfficer |
/// | ViewNtm | every role |
/// | ManageNtm | SystemAdmin, NtmCoordinator |
///
/// The steps of an NTM review chain are not actions of this table: each
/// stage names the role it needs on its unit (see [`hold_role`]).
///
/// The Office and agency leaders manage the users of their own unit: the
/// grant's subtree limits them (see [`authorize`]).
pub const fn role_allows(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        Action::ViewUnits | Action::ViewTasks | Action::ViewFunds | Action::ViewNtm => true,
        Action::ManageUnits | Action::ViewAudit | Action::ManageServiceAccounts => {
            matches!(role, SystemAdmin)
        }
        Action::ViewUsers => matches!(
            role,
            SystemAdmin | CommitteeLeader | OfficeLeader | AgencyLeader
        ),
        Action::ManageUsers | Action::ManageGrants => {
            matches!(role, SystemAdmin | OfficeLeader | AgencyLeader)
        }
        Action::ManageBoardTokens => matches!(role, SystemAdmin | OfficeLeader),
        Action::ManageDirectives => matches!(
            role,
            SystemAdmin | CommitteeLeader | OfficeLeader | OfficeSpecialist
        ),
        Action::ManageFunds | Action::ManageProgrammes => matches!(role, SystemAdmin | FundManager),
        Action::RecordDisbursements => {
            matches!(role, SystemAdmin | FundManager | CommuneOfficer)
        }
        Action::ManageNtm => matches!(role, SystemAdmin | NtmCoordinator),
    }
}

/// Whether an actor holding `grants` holds `role` on the unit with this
/// ancestry (the unit itself and all its ancestors): the check of one step
/// of a review chain, whose stage names the role it needs.
///
/// A system administrator holds every role everywhere. Otherwise
/// [`Denial::OutOfScope`] when no grant covers the unit, and
/// [`Denial::Forbidden`] when some do but none with `role`.
///
/// # Errors
/// The [`Denial`] as above.
pub fn hold_role(grants: &[Grant], role: Role, ancestry: &[UnitId]) -> Result<(), Denial> {
    if grants.iter().any(|g| g.role == Role::SystemAdmin) {
        return Ok(());
    }
    in_scope_any(grants, ancestry, |g| g.role == role)
}

/// A role granted on a unit; it covers the unit's whole subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The root of the subtree the role applies to.
    pub unit_id: UnitId,
}

impl Grant {
    /// Whether the grant covers a unit with this ancestry (the unit itself
    /// and all its ancestors). A [`Role::SystemAdmin`] grant covers every
    /// unit.
    pub fn covers(&self, ancestry: &[UnitId]) -> bool {
        self.role == Role::SystemAdmin || ancestry.contains(&self.unit_id)
    }
}

/// What an action is performed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing tied to a unit (e.g. reading the audit log).
    Global,
    /// A unit, given by its ancestry: the unit itself and all its
    /// ancestors, in any order.
    Unit(&'a [UnitId]),
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Denial {
    /// No grant covers the target; answered as 404 so that ids leak nothing.
    #[error("không tìm thấy / not found")]
    OutOfScope,
    /// The target is in scope but no role there allows the action (403).
    #[error("không có quyền thực hiện thao tác này / not allowed")]
    Forbidden,
}

/// Whether an actor holding `grants` may perform `action` on `target`.
///
/// A [`Role::SystemAdmin`] grant allows everything everywhere. For a unit,
/// the grants on the unit or one of its ancestors are in scope; with none
/// in scope the answer is [`Denial::OutOfScope`], and with some in scope
/// but none whose role allows the action, [`Denial::Forbidden`]. For
/// [`Target::Global`] the action is allowed if any grant's role allows it,
/// and otherwise [`Denial::Forbidden`].
///
/// # Errors
/// The [`Denial`] as above.
pub fn authorize(grants: &[Grant], action: Action, target: Target<'_>) -> Result<(), Denial> {
    if grants.iter().any(|g| g.role == Role::SystemAdmin) {
        return Ok(());
    }
    match target {
        Target::Global => {
            if grants.iter().any(|g| role_allows(g.role, action)) {
                Ok(())
            } else {
                Err(Denial::Forbidden)
            }
        }
        Target::Unit(ancestry) => in_scope_any(grants, ancestry, |g| role_allows(g.role, action)),
    }
}

/// Where an actor may perform an action: the filter for list queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere.
    All,
    /// In the subtrees rooted at these units (empty: nowhere).
    Units(BTreeSet<UnitId>),
}

impl Scope {
    /// Whether the scope allows nothing at all.
    pub fn is_empty(&self) -> bool {
        match self {
            Scope::All => false,
            Scope::Units(units) => units.is_empty(),
        }
    }
}

/// The roots of the subtrees in which an actor holding `grants` may perform
/// `action`: [`Scope::All`] for a system administrator, otherwise the units
/// of the grants whose role allows the action (an empty set when none
/// does).
///
/// The tree is not known here, so a root inside another root's subtree is
/// not removed; filtering by both gives the same rows.
pub fn scope_units(grants: &[Grant], action: Action) -> Scope {
    if grants.iter().any(|g| g.role == Role::SystemAdmin) {
        return Scope::All;
    }
    Scope::Units(
        grants
            .iter()
            .filter(|g| role_allows(g.role, action))
            .map(|g| g.unit_id)
            .collect(),
    )
}

/// Whether an actor holding `actor_grants` may grant `role` on the unit
/// with ancestry `target_ancestry` (the unit itself and all its ancestors).
///
/// [`Denial::OutOfScope`] when no actor grant covers the target;
/// [`Denial::Forbidden`] unless some grant that covers it has a role that
/// allows [`Action::ManageGrants`] and can delegate `role`
/// ([`Role::delegable`]). A system administrator may grant any role
/// anywhere.
///
/// # Errors
/// The [`Denial`] as above.
pub fn authorize_grant(
    actor_grants: &[Grant],
    role: Role,
    target_ancestry: &[UnitId],
) -> Result<(), Denial> {
    in_scope_any(actor_grants, target_ancestry, |g| {
        role_allows(g.role, Action::ManageGrants) && g.role.delegable().contains(&role)
    })
}

/// [`Denial::OutOfScope`] when no grant covers the unit with this
/// ancestry, otherwise whether some covering grant satisfies `ok`
/// ([`Denial::Forbidden`] if none).
fn in_scope_any(
    grants: &[Grant],
    ancestry: &[UnitId],
    ok: impl Fn(&Grant) -> bool,
) -> Result<(), Denial> {
    let mut in_scope = grants.iter().filter(|g| g.covers(ancestry)).peekable();
    if in_scope.peek().is_none() {
        return Err(Denial::OutOfScope);
    }
    if in_scope.any(ok) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use serde::de::IntoDeserializer;

    const Y: bool = true;
    const N: bool = false;

    #[test]
    fn role_codes_and_labels() {
        let cases = [
            (Role::SystemAdmin, "system_admin", "Quản trị hệ thống"),
            (Role::CommitteeLeader, "committee_leader", "Lãnh đạo UBND"),
            (Role::OfficeLeader, "office_leader", "Lãnh đạo Văn phòng"),
            (
                Role::OfficeSpecialist,
                "office_specialist",
                "Chuyên viên theo dõi",
            ),
            (Role::AgencyLeader, "agency_leader", "Lãnh đạo cơ quan"),
            (Role::AgencyOfficer, "agency_officer", "Cán bộ cơ quan"),
            (
                Role::FundManager,
                "fund_manager",
                "Quản lý vốn chương trình",
            ),
            (
                Role::NtmCoordinator,
                "ntm_coordinator",
                "Điều phối nông thôn mới",
            ),
            (
                Role::DepartmentAppraiser,
                "department_appraiser",
                "Thẩm định sở ngành",
            ),
            (Role::CommuneOfficer, "commune_officer", "Cán bộ xã"),
            (Role::Viewer, "viewer", "Xem báo cáo"),
        ];
        assert_eq!(cases.map(|c| c.0), Role::ALL);
        for (role, code, label) in cases {
            assert_eq!(role.as_str(), code);
            assert_eq!(role.label_vi(), label);
            assert_eq!(Role::parse(code), Some(role));
            let de: StrDeserializer<'_, DeError> = code.into_deserializer();
            assert_eq!(Role::deserialize(de).unwrap(), role);
        }
        for bad in ["", "SystemAdmin", "admin", "viewer ", "Viewer"] {
            assert_eq!(Role::parse(bad), None, "{bad:?}");
        }
        for action in Action::ALL {
            let de: StrDeserializer<'_, DeError> = action.as_str().into_deserializer();
            assert_eq!(Action::deserialize(de).unwrap(), action);
        }
    }

    /// The policy table, written out: one row per role, columns in the
    /// order of the header.
    #[test]
    fn policy_table() {
        use Action::*;
        let columns = [
            ViewUnits,
            ManageUnits,
            ViewUsers,
            ManageUsers,
            ManageGrants,
            ViewAudit,
            ManageServiceAccounts,
            ManageBoardTokens,
            ViewTasks,
            ManageDirectives,
            ViewFunds,
            ManageFunds,
            RecordDisbursements,
            ManageProgrammes,
            ViewNtm,
            ManageNtm,
        ];
        // Every action has a column.
        assert_eq!(columns, Action::ALL);
        #[rustfmt::skip]
        let table: [(Role, [bool; 16]); 11] = [
            //                         ViewUn ManUn  ViewUs ManUs  ManGr  Audit  SvcAcc Board  VTask  MDir  VFund MFund Disb  Prog  VNtm  MNtm
            (Role::SystemAdmin,         [Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y, Y,    Y,    Y,    Y,    Y, Y]),
            (Role::CommitteeLeader,     [Y,     N,     Y,     N,     N,     N,     N,     N,     Y,     Y, Y,    N,    N,    N,    Y, N]),
            (Role::OfficeLeader,        [Y,     N,     Y,     Y,     Y,     N,     N,     Y,     Y,     Y, Y,    N,    N,    N,    Y, N]),
            (Role::OfficeSpecialist,    [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     Y, Y,    N,    N,    N,    Y, N]),
            (Role::AgencyLeader,        [Y,     N,     Y,     Y,     Y,     N,     N,     N,     Y,     N, Y,    N,    N,    N,    Y, N]),
            (Role::AgencyOfficer,       [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     N, Y,    N,    N,    N,    Y, N]),
            (Role::FundManager,         [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     N, Y,    Y,    Y,    Y,    Y, N]),
            (Role::NtmCoordinator,      [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     N, Y,    N,    N,    N,    Y, Y]),
            (Role::DepartmentAppraiser, [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     N, Y,    N,    N,    N,    Y, N]),
            (Role::CommuneOfficer,      [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     N, Y,    N,    Y,    N,    Y, N]),
            (Role::Viewer,              [Y,     N,     N,     N,     N,     N,     N,     N,     Y,     N, Y,    N,    N,    N,    Y, N]),
        ];
        // Every role has a row.
        assert_eq!(table.map(|row| row.0), Role::ALL);
        for (role, row) in table {
            for (action, expected) in columns.into_iter().zip(row) {
                assert_eq!(role_allows(role, action), expected, "{role:?} {action:?}");
                // The table also decides single-grant authorisation in scope.
                let grants = [Grant { role, unit_id: 10 }];
                let got = authorize(&grants, action, Target::Unit(&[10, 1]));
                let want = if expected {
                    Ok(())
                } else {
                    Err(Denial::Forbidden)
                };
                assert_eq!(got, want, "{role:?} {action:?} on unit");
                assert_eq!(
                    authorize(&grants, action, Target::Global),
                    want,
                    "{role:?} {action:?} global"
                );
            }
        }
    }

    // A small tree: province 1 > district 10 > communes 100, 101;
    // province 1 > agency 20 (Văn phòng UBND) and agency 21 (Sở Nông nghiệp).
    const PROVINCE: &[UnitId] = &[1];
    const DISTRICT: &[UnitId] = &[10, 1];
    const COMMUNE_100: &[UnitId] = &[100, 10, 1];
    const COMMUNE_101: &[UnitId] = &[1, 10, 101];
    const OFFICE: &[UnitId] = &[20, 1];
    const DEPARTMENT: &[UnitId] = &[21, 1];

    fn grant(role: Role, unit_id: UnitId) -> Grant {
        Grant { role, unit_id }
    }

    /// The expected outcome in a test table.
    type Outcome = Result<(), Denial>;

    /// A row of [`unit_scope`]: name, grants, action, target ancestry, outcome.
    type ScopeCase<'a> = (&'a str, &'a [Grant], Action, &'a [UnitId], Outcome);

    /// A row of [`delegation`]: name, grants, role granted, target ancestry,
    /// outcome.
    type GrantCase<'a> = (&'a str, &'a [Grant], Role, &'a [UnitId], Outcome);

    #[test]
    fn unit_scope() {
        use Action::*;
        use Denial::*;
        let commune_officer = [grant(Role::CommuneOfficer, 100)];
        let district_viewer = [grant(Role::Viewer, 10)];
        let agency_leader = [grant(Role::AgencyLeader, 21)];
        let admin_on_commune = [grant(Role::SystemAdmin, 100)];
        let two_grants = [grant(Role::Viewer, 1), grant(Role::AgencyLeader, 21)];
        #[rustfmt::skip]
        let cases: &[ScopeCase<'_>] = &[
            ("the granted unit itself", &commune_officer, ViewUnits, COMMUNE_100, Ok(())),
            ("inside the subtree", &district_viewer, ViewUnits, COMMUNE_101, Ok(())),
            ("sibling unit", &commune_officer, ViewUnits, COMMUNE_101, Err(OutOfScope)),
            ("ancestor of the grant", &commune_officer, ViewUnits, DISTRICT, Err(OutOfScope)),
            ("root of the tree", &district_viewer, ViewUnits, PROVINCE, Err(OutOfScope)),
            ("other branch", &district_viewer, ViewUnits, OFFICE, Err(OutOfScope)),
            ("in scope, role does not allow", &district_viewer, ManageUsers, COMMUNE_100, Err(Forbidden)),
            ("out of scope wins over forbidden", &commune_officer, ManageUnits, COMMUNE_101, Err(OutOfScope)),
            ("agency leader, own agency", &agency_leader, ManageUsers, DEPARTMENT, Ok(())),
            ("agency leader, other agency", &agency_leader, ManageUsers, OFFICE, Err(OutOfScope)),
            ("agency leader, province", &agency_leader, ViewUsers, PROVINCE, Err(OutOfScope)),
            ("system admin anywhere", &admin_on_commune, ManageUnits, OFFICE, Ok(())),
            ("system admin on the root", &admin_on_commune, ManageServiceAccounts, PROVINCE, Ok(())),
            ("two grants: the one that allows", &two_grants, ManageUsers, DEPARTMENT, Ok(())),
            ("two grants: only the viewer covers", &two_grants, ManageUsers, OFFICE, Err(Forbidden)),
            ("two grants: viewer covers, view allowed", &two_grants, ViewUnits, COMMUNE_100, Ok(())),
            ("no grants", &[], ViewUnits, COMMUNE_100, Err(OutOfScope)),
        ];
        for &(name, grants, action, ancestry, expected) in cases {
            assert_eq!(
                authorize(grants, action, Target::Unit(ancestry)),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn global_actions() {
        use Action::*;
        use Denial::*;
        let office_leader = [grant(Role::OfficeLeader, 20)];
        let several = [grant(Role::Viewer, 1), grant(Role::OfficeLeader, 20)];
        #[rustfmt::skip]
        let cases: &[(&str, &[Grant], Action, Outcome)] = &[
            ("admin reads the audit log", &[grant(Role::SystemAdmin, 1)], ViewAudit, Ok(())),
            ("admin granted low in the tree", &[grant(Role::SystemAdmin, 100)], ViewAudit, Ok(())),
            ("leader cannot read the audit log", &office_leader, ViewAudit, Err(Forbidden)),
            ("leader manages board tokens", &office_leader, ManageBoardTokens, Ok(())),
            ("committee leader, service accounts", &[grant(Role::CommitteeLeader, 1)], ManageServiceAccounts, Err(Forbidden)),
            ("any of several grants", &several, ManageBoardTokens, Ok(())),
            ("no grants", &[], ViewUnits, Err(Forbidden)),
        ];
        for &(name, grants, action, expected) in cases {
            assert_eq!(
                authorize(grants, action, Target::Global),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn scopes() {
        use Action::*;
        let set = |ids: &[UnitId]| Scope::Units(ids.iter().copied().collect());
        let mixed = [
            grant(Role::Viewer, 1),
            grant(Role::AgencyLeader, 21),
            grant(Role::OfficeLeader, 20),
            grant(Role::CommuneOfficer, 100),
        ];
        let admin_among_others = [grant(Role::Viewer, 100), grant(Role::SystemAdmin, 1)];
        #[rustfmt::skip]
        let cases: &[(&str, &[Grant], Action, Scope)] = &[
            ("admin", &[grant(Role::SystemAdmin, 100)], ManageUnits, Scope::All),
            ("admin among others", &admin_among_others, ViewUsers, Scope::All),
            ("view everywhere granted", &mixed, ViewUnits, set(&[1, 20, 21, 100])),
            ("manage users in own units", &mixed, ManageUsers, set(&[20, 21])),
            ("board tokens: office only", &mixed, ManageBoardTokens, set(&[20])),
            ("nothing", &mixed, ManageUnits, set(&[])),
            ("no grants", &[], ViewUnits, set(&[])),
        ];
        for (name, grants, action, expected) in cases {
            assert_eq!(&scope_units(grants, *action), expected, "{name}");
        }
        assert!(set(&[]).is_empty());
        assert!(!Scope::All.is_empty());
        assert!(!set(&[1]).is_empty());
    }

    #[test]
    fn delegation() {
        use Denial::*;
        use Role::*;
        assert_eq!(SystemAdmin.delegable(), Role::ALL);
        assert_eq!(OfficeLeader.delegable(), [OfficeSpecialist, Viewer]);
        assert_eq!(AgencyLeader.delegable(), [AgencyOfficer, Viewer]);
        for role in Role::ALL {
            if !matches!(role, SystemAdmin | OfficeLeader | AgencyLeader) {
                assert!(role.delegable().is_empty(), "{role:?}");
            }
            // Whoever may delegate must also be allowed to manage grants.
            if !role.delegable().is_empty() {
                assert!(role_allows(role, Action::ManageGrants), "{role:?}");
            }
        }

        let office_leader = [grant(OfficeLeader, 20)];
        let agency_leader = [grant(AgencyLeader, 21)];
        let admin = [grant(SystemAdmin, 100)];
        let both = [grant(Viewer, 1), grant(AgencyLeader, 21)];
        #[rustfmt::skip]
        let cases: &[GrantCase<'_>] = &[
            ("office leader: specialist in the Office", &office_leader, OfficeSpecialist, OFFICE, Ok(())),
            ("office leader: viewer in the Office", &office_leader, Viewer, OFFICE, Ok(())),
            ("office leader: agency officer", &office_leader, AgencyOfficer, OFFICE, Err(Forbidden)),
            ("office leader: another office leader", &office_leader, OfficeLeader, OFFICE, Err(Forbidden)),
            ("office leader: system admin", &office_leader, SystemAdmin, OFFICE, Err(Forbidden)),
            ("office leader: outside the Office", &office_leader, Viewer, DEPARTMENT, Err(OutOfScope)),
            ("office leader: on the province", &office_leader, Viewer, PROVINCE, Err(OutOfScope)),
            ("agency leader: officer in the agency", &agency_leader, AgencyOfficer, DEPARTMENT, Ok(())),
            ("agency leader: specialist", &agency_leader, OfficeSpecialist, DEPARTMENT, Err(Forbidden)),
            ("agency leader: other agency", &agency_leader, AgencyOfficer, OFFICE, Err(OutOfScope)),
            ("admin: anything anywhere", &admin, SystemAdmin, PROVINCE, Ok(())),
            ("admin: commune officer", &admin, CommuneOfficer, COMMUNE_101, Ok(())),
            ("viewer cannot delegate", &[grant(Viewer, 1)], Viewer, COMMUNE_100, Err(Forbidden)),
            ("committee leader cannot delegate", &[grant(CommitteeLeader, 1)], Viewer, COMMUNE_100, Err(Forbidden)),
            ("two grants: leader's covers", &both, Viewer, DEPARTMENT, Ok(())),
            ("two grants: only viewer's covers", &both, Viewer, OFFICE, Err(Forbidden)),
            ("no grants", &[], Viewer, OFFICE, Err(OutOfScope)),
        ];
        for &(name, grants, role, ancestry, expected) in cases {
            assert_eq!(authorize_grant(grants, role, ancestry), expected, "{name}");
        }
    }

    #[test]
    fn review_steps_need_the_stage_role_on_the_unit() {
        let appraiser = [Grant {
            role: Role::DepartmentAppraiser,
            unit_id: 21,
        }];
        assert_eq!(
            hold_role(&appraiser, Role::DepartmentAppraiser, DEPARTMENT),
            Ok(())
        );
        // Another role on the same unit is not enough.
        assert_eq!(
            hold_role(&appraiser, Role::NtmCoordinator, DEPARTMENT),
            Err(Denial::Forbidden)
        );
        // A unit the grant does not cover is out of scope.
        assert_eq!(
            hold_role(&appraiser, Role::DepartmentAppraiser, OFFICE),
            Err(Denial::OutOfScope)
        );
        // A grant higher up covers the subtree.
        let coordinator = [Grant {
            role: Role::NtmCoordinator,
            unit_id: 1,
        }];
        assert_eq!(
            hold_role(&coordinator, Role::NtmCoordinator, COMMUNE_100),
            Ok(())
        );
        let admin = [Grant {
            role: Role::SystemAdmin,
            unit_id: 1,
        }];
        assert_eq!(hold_role(&admin, Role::CommuneOfficer, &[999]), Ok(()));
    }
}
