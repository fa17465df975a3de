//! Attachment blobs.
//!
//! * [`BlobStore`]: content-addressed storage (SHA-256) on a local folder or
//!   an S3-compatible bucket, through `object_store`.
//! * [`inspect`]: checks an upload before it is stored: size, type from the
//!   file's magic bytes against an allow-list, and agreement between that
//!   type and the file name's extension.

mod blob;
mod inspect;

pub use blob::{sha256_hex, BlobStore, StorageError, StoreConfig};
pub use inspect::{inspect, sanitize_file_name, Inspected, Rejection};
