//! Content-addressed blob storage on a local folder or an S3-compatible bucket.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

/// Where blobs live.
#[derive(Clone)]
pub enum StoreConfig {
    /// A folder on this machine; created if missing.
    Local { root: PathBuf },
    /// An S3 bucket, or an S3-compatible service when `endpoint` is given
    /// (path-style addressing is used then).
    S3 {
        endpoint: Option<String>,
        bucket: String,
        region: String,
        access_key_id: String,
        secret_access_key: String,
        allow_http: bool,
    },
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local { root } => f.debug_struct("Local").field("root", root).finish(),
            Self::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key: _,
                allow_http,
            } => f
                .debug_struct("S3")
                .field("endpoint", endpoint)
                .field("bucket", bucket)
                .field("region", region)
                .field("access_key_id", access_key_id)
                .field("secret_access_key", &"[redacted]")
                .field("allow_http", allow_http)
                .finish(),
        }
    }
}

/// Failures of the blob store. Messages carry no credentials.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("Không tìm thấy tệp đính kèm (attachment blob not found)")]
    NotFound,
    #[error("Mã tệp đính kèm không hợp lệ (invalid attachment key)")]
    InvalidKey,
    #[error("Lỗi kho lưu trữ tệp (storage backend error): {0}")]
    Backend(String),
}

impl StorageError {
    fn backend(err: impl fmt::Display) -> Self {
        Self::Backend(err.to_string())
    }
}

/// Blob storage addressed by the SHA-256 of the content. Cheap to clone.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    kind: &'static str,
}

impl fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobStore")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl BlobStore {
    /// Opens the store the configuration names. Builds the client only: no
    /// request is made, so an unreachable S3 endpoint shows at first use.
    pub fn open(config: &StoreConfig) -> Result<BlobStore, StorageError> {
        match config {
            StoreConfig::Local { root } => {
                std::fs::create_dir_all(root).map_err(|e| {
                    StorageError::Backend(format!(
                        "cannot create storage folder {}: {e}",
                        root.display()
                    ))
                })?;
                let store = LocalFileSystem::new_with_prefix(root)
                    .map_err(StorageError::backend)?
                    // Attachments are records: flush each one to disk.
                    .with_fsync(true);
                Ok(BlobStore {
                    inner: Arc::new(store),
                    kind: "local",
                })
            }
            StoreConfig::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key)
                    .with_allow_http(*allow_http);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false);
                }
                let store = builder.build().map_err(StorageError::backend)?;
                Ok(BlobStore {
                    inner: Arc::new(store),
                    kind: "s3",
                })
            }
        }
    }

    /// "local" or "s3", for logs.
    pub fn describe(&self) -> &'static str {
        self.kind
    }

    /// Stores `bytes` and returns their lowercase hex SHA-256, which is the
    /// key for [`BlobStore::get`]. Content already stored is not written again.
    pub async fn put(&self, bytes: Bytes) -> Result<String, StorageError> {
        let sha256 = sha256_hex(&bytes);
        let location = location(&sha256);
        match self.inner.head(&location).await {
            Ok(_) => return Ok(sha256),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(StorageError::backend(e)),
        }
        self.inner
            .put(&location, PutPayload::from(bytes))
            .await
            .map_err(StorageError::backend)?;
        Ok(sha256)
    }

    /// Reads the blob whose SHA-256 is `sha256` (64 lowercase hex digits).
    pub async fn get(&self, sha256: &str) -> Result<Bytes, StorageError> {
        if !is_sha256_hex(sha256) {
            return Err(StorageError::InvalidKey);
        }
        let result = self
            .inner
            .get(&location(sha256))
            .await
            .map_err(map_read_error)?;
        result.bytes().await.map_err(map_read_error)
    }

    /// Removes the content stored under `sha256`; removing what is not
    /// there is not an error. The caller makes sure no attachment still
    /// points at it (the same content may back several).
    pub async fn delete(&self, sha256: &str) -> Result<(), StorageError> {
        if !is_sha256_hex(sha256) {
            return Err(StorageError::InvalidKey);
        }
        match self.inner.delete(&location(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StorageError::backend(e)),
        }
    }
}

fn map_read_error(err: object_store::Error) -> StorageError {
    match err {
        object_store::Error::NotFound { .. } => StorageError::NotFound,
        other => StorageError::backend(other),
    }
}

/// `sha256/ab/cd/<full hex>`: two levels of fan-out keep folders small.
fn location(sha256: &str) -> Path {
    let first = sha256.get(0..2).unwrap_or_default();
    let second = sha256.get(2..4).unwrap_or_default();
    Path::from(format!("sha256/{first}/{second}/{sha256}"))
}

fn is_sha256_hex(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn local(dir: &tempfile::TempDir) -> BlobStore {
        BlobStore::open(&StoreConfig::Local {
            root: dir.path().join("blobs"),
        })
        .unwrap()
    }

    /// Every regular file under `dir`, recursively.
    fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found
    }

    #[test]
    fn sha256_hex_matches_known_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn key_check() {
        assert!(is_sha256_hex(&sha256_hex(b"x")));
        assert!(!is_sha256_hex(&sha256_hex(b"x").to_uppercase()));
        assert!(!is_sha256_hex("abc"));
        assert!(!is_sha256_hex(&"g".repeat(64)));
        assert!(!is_sha256_hex(&format!("../{}", "a".repeat(61))));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let config = StoreConfig::S3 {
            endpoint: Some("http://127.0.0.1:9".into()),
            bucket: "b".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "very-secret-value".into(),
            allow_http: true,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        let store = BlobStore::open(&config).unwrap();
        assert_eq!(store.describe(), "s3");
        assert!(!format!("{store:?}").contains("very-secret-value"));
    }

    #[test]
    fn open_creates_the_root_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a").join("b");
        let store = BlobStore::open(&StoreConfig::Local { root: root.clone() }).unwrap();
        assert!(root.is_dir());
        assert_eq!(store.describe(), "local");
    }

    #[tokio::test]
    async fn local_put_is_idempotent_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = local(&dir);
        let content = Bytes::from_static("Biên bản họp".as_bytes());

        let first = store.put(content.clone()).await.unwrap();
        let second = store.put(content.clone()).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(first, sha256_hex(&content));

        let files = files_under(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        let expected = dir
            .path()
            .join("blobs")
            .join("sha256")
            .join(&first[0..2])
            .join(&first[2..4])
            .join(&first);
        assert_eq!(files[0], expected);

        assert_eq!(store.get(&first).await.unwrap(), content);
    }

    #[tokio::test]
    async fn local_put_does_not_rewrite_existing_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = local(&dir);
        let key = store.put(Bytes::from_static(b"one")).await.unwrap();
        let path = files_under(dir.path()).remove(0);
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        store.put(Bytes::from_static(b"one")).await.unwrap();
        let after = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(before, after);
        assert_eq!(store.get(&key).await.unwrap(), Bytes::from_static(b"one"));
    }

    #[tokio::test]
    async fn local_distinct_content_gets_distinct_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = local(&dir);
        let a = store.put(Bytes::from_static(b"a")).await.unwrap();
        let b = store.put(Bytes::from_static(b"b")).await.unwrap();
        assert_ne!(a, b);
        assert_eq!(files_under(dir.path()).len(), 2);
        assert_eq!(store.get(&a).await.unwrap(), Bytes::from_static(b"a"));
        assert_eq!(store.get(&b).await.unwrap(), Bytes::from_static(b"b"));
    }

    #[tokio::test]
    async fn local_delete_removes_the_content_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = local(&dir);
        let key = store.put(Bytes::from_static(b"gone")).await.unwrap();
        store.delete(&key).await.unwrap();
        assert!(files_under(dir.path()).is_empty());
        assert!(matches!(store.get(&key).await, Err(StorageError::NotFound)));
        store.delete(&key).await.unwrap();
        assert!(matches!(
            store.delete("../x").await,
            Err(StorageError::InvalidKey)
        ));
    }

    #[tokio::test]
    async fn local_unknown_key_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = local(&dir);
        let err = store.get(&sha256_hex(b"never stored")).await.unwrap_err();
        assert!(matches!(err, StorageError::NotFound), "{err:?}");
    }

    #[tokio::test]
    async fn local_bad_keys_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let store = local(&dir);
        let upper = sha256_hex(b"x").to_uppercase();
        let traversal = format!("../../{}", "a".repeat(58));
        for key in ["", "abc", upper.as_str(), traversal.as_str()] {
            let err = store.get(key).await.unwrap_err();
            assert!(matches!(err, StorageError::InvalidKey), "{key}: {err:?}");
        }
    }
}
