//! Excel interchange: reading legacy reports (text-encoding repair, numbers, dates and deadlines typed as text) and writing official reports.

pub mod dates;
pub mod encoding;
pub mod ntm_matrix;
pub mod numbers;
pub mod report;
