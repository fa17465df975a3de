//! Excel interchange: reading legacy reports (finding the table in a messy sheet, text-encoding repair, numbers, dates and deadlines typed as text; the NTM criteria matrix) and writing official reports.

pub mod dates;
pub mod encoding;
pub mod legacy;
pub mod legacy_ntm;
pub mod legacy_p135;
pub mod legacy_tasks;
pub mod limits;
pub mod ntm_matrix;
pub mod numbers;
mod parallel;
pub mod report;
pub mod table;
pub mod template;
mod xlsx_merges;
