//! Pure types and rules of the domain: units and their lineage, roles and
//! the permission policy, the task workflow and timeliness, fund rules, NTM
//! scoring, money and Vietnamese text. No I/O and no framework.
pub mod access;
pub mod funds;
pub mod money;
pub mod ntm;
pub mod ntm_review;
pub mod password;
pub mod task_parties;
pub mod task_stats;
pub mod tasks;
pub mod text;
pub mod units;
