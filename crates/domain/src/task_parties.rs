//! Who an actor is to a task: the [`TaskParty`] capacities its grants give
//! it, from the units the task involves. The workflow rules in
//! [`crate::tasks`] decide what each capacity may do.

use crate::access::{Grant, Role};
use crate::tasks::TaskParty;
use crate::units::UnitId;

/// The units a task involves, each as its ancestry (the unit itself and
/// all its ancestors), so that a grant on any ancestor covers it.
#[derive(Debug, Clone, Copy)]
pub struct TaskUnits<'a> {
    /// The unit that assigned the task (the People's Committee, or for a
    /// forwarded child task the unit that forwarded it).
    pub issuing: &'a [UnitId],
    /// The Office that follows the task up.
    pub office: &'a [UnitId],
    /// The lead unit (chủ trì).
    pub lead: &'a [UnitId],
    /// Each coordinating unit (phối hợp).
    pub coordinators: &'a [Vec<UnitId>],
    /// Whether the task was forwarded from a parent task: then the leaders
    /// of the forwarding unit act as its issuer and office.
    pub forwarded: bool,
}

fn covers(grant: &Grant, ancestry: &[UnitId]) -> bool {
    ancestry.contains(&grant.unit_id)
}

/// The capacities `grants` give on a task, sorted and without repeats;
/// empty when the task is outside every grant (the API then answers 404).
///
/// * Issuer: a committee leader over the issuing unit; for a forwarded task
///   also a leader (agency leader or commune officer) of the forwarding unit.
/// * OfficeLeader / Specialist: office leaders / specialists over the Office;
///   for a forwarded task the forwarding unit's leader and officers.
/// * LeadAgencyLeader (with LeadAgency): an agency leader over the lead unit.
/// * LeadAgency: an agency officer or commune officer over the lead unit.
/// * Coordinator: agency or commune staff over a coordinating unit.
/// * Observer: any other grant over one of the task's units, and system
///   administrators (who see everything and act on nothing).
pub fn parties(grants: &[Grant], units: &TaskUnits<'_>) -> Vec<TaskParty> {
    let mut out = Vec::new();
    for grant in grants {
        let over_issuing = covers(grant, units.issuing);
        let over_office = covers(grant, units.office);
        let over_lead = covers(grant, units.lead);
        let over_coordinator = units.coordinators.iter().any(|c| covers(grant, c));
        let staff = matches!(
            grant.role,
            Role::AgencyLeader | Role::AgencyOfficer | Role::CommuneOfficer
        );
        match grant.role {
            Role::SystemAdmin => out.push(TaskParty::Observer),
            Role::CommitteeLeader if over_issuing => out.push(TaskParty::Issuer),
            Role::OfficeLeader if over_office => out.push(TaskParty::OfficeLeader),
            Role::OfficeSpecialist if over_office => out.push(TaskParty::Specialist),
            _ => {}
        }
        if units.forwarded && staff && over_issuing {
            if matches!(grant.role, Role::AgencyLeader | Role::CommuneOfficer) {
                out.extend([TaskParty::Issuer, TaskParty::OfficeLeader]);
            }
            out.push(TaskParty::Specialist);
        }
        if over_lead && grant.role == Role::AgencyLeader {
            out.extend([TaskParty::LeadAgencyLeader, TaskParty::LeadAgency]);
        } else if over_lead && staff {
            out.push(TaskParty::LeadAgency);
        }
        if over_coordinator && staff {
            out.push(TaskParty::Coordinator);
        }
        if over_issuing || over_office || over_lead || over_coordinator {
            out.push(TaskParty::Observer);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskParty::*;

    // Province 1 > office 20, finance 21, construction 22; province 1 >
    // commune 100 > village 1000. Another province 2.
    const PROVINCE: &[UnitId] = &[1];
    const OFFICE: &[UnitId] = &[20, 1];
    const FINANCE: &[UnitId] = &[21, 1];
    const COMMUNE: &[UnitId] = &[100, 1];
    const VILLAGE: &[UnitId] = &[1000, 100, 1];

    fn grant(role: Role, unit_id: UnitId) -> Grant {
        Grant { role, unit_id }
    }

    fn task(coordinators: &[Vec<UnitId>]) -> TaskUnits<'_> {
        TaskUnits {
            issuing: PROVINCE,
            office: OFFICE,
            lead: FINANCE,
            coordinators,
            forwarded: false,
        }
    }

    #[test]
    fn capacities_from_grants() {
        let coordinators = vec![vec![22, 1]];
        let t = task(&coordinators);
        let cases: Vec<(&str, Vec<Grant>, Vec<TaskParty>)> = vec![
            (
                "committee leader",
                vec![grant(Role::CommitteeLeader, 1)],
                vec![Issuer, Observer],
            ),
            (
                "office leader",
                vec![grant(Role::OfficeLeader, 20)],
                vec![OfficeLeader, Observer],
            ),
            (
                "specialist",
                vec![grant(Role::OfficeSpecialist, 20)],
                vec![Specialist, Observer],
            ),
            (
                "lead agency leader",
                vec![grant(Role::AgencyLeader, 21)],
                vec![LeadAgency, LeadAgencyLeader, Observer],
            ),
            (
                "lead agency officer",
                vec![grant(Role::AgencyOfficer, 21)],
                vec![LeadAgency, Observer],
            ),
            (
                "coordinator",
                vec![grant(Role::AgencyOfficer, 22)],
                vec![Coordinator, Observer],
            ),
            (
                "viewer on the province",
                vec![grant(Role::Viewer, 1)],
                vec![Observer],
            ),
            ("admin", vec![grant(Role::SystemAdmin, 2)], vec![Observer]),
            (
                "other province",
                vec![grant(Role::CommitteeLeader, 2)],
                vec![],
            ),
            (
                "unrelated agency",
                vec![grant(Role::AgencyLeader, 23)],
                vec![],
            ),
            (
                "office specialist is no lead",
                vec![grant(Role::OfficeSpecialist, 21)],
                vec![Observer],
            ),
        ];
        for (name, grants, expected) in cases {
            assert_eq!(parties(&grants, &t), expected, "{name}");
        }
    }

    #[test]
    fn forwarded_task_makes_the_forwarding_unit_issuer() {
        let none: Vec<Vec<UnitId>> = vec![];
        let child = TaskUnits {
            issuing: COMMUNE,
            office: COMMUNE,
            lead: VILLAGE,
            coordinators: &none,
            forwarded: true,
        };
        assert_eq!(
            parties(&[grant(Role::CommuneOfficer, 100)], &child),
            vec![Issuer, OfficeLeader, Specialist, LeadAgency, Observer]
        );
        // Not forwarded: a commune officer over the issuing unit is only
        // an observer there.
        let direct = TaskUnits {
            forwarded: false,
            ..child
        };
        assert_eq!(
            parties(&[grant(Role::CommuneOfficer, 100)], &direct),
            vec![LeadAgency, Observer]
        );
    }
}
