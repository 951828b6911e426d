//! Files attached to a document (issue 22): PDF, JPEG and PNG, recognised by their first bytes
//! whatever their name says, at most [`MAX_FILE_BYTES`] each and [`MAX_DOCUMENT_BYTES`] for one
//! document. The sender facility attaches them, while writing the draft (they move to the
//! document when it is sent) or to the sent document; the sender and recipient facilities read
//! them, as they read the document (`documents::visible`), and everyone else gets 404. A file is
//! never changed once stored; no mail carries a file or its name.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{store, visible};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, FieldError};

/// The largest file accepted: 10 MiB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most one document's (or draft's) files may take together: 30 MiB.
pub const MAX_DOCUMENT_BYTES: i64 = 30 * 1024 * 1024;

/// A file attached to a document, without its bytes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    /// The name the file had on the computer or phone it came from.
    pub file_name: String,
    /// `application/pdf`, `image/jpeg` or `image/png`, as read from the file's first bytes.
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// SHA-256 of the bytes, in lowercase hex.
    pub sha256: String,
    pub uploaded_at: DateTime<FixedOffset>,
}

/// What a file belongs to: a sent document, or a draft until it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Document(Uuid),
    Draft(Uuid),
}

/// A file as it was sent, not yet checked.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    /// The kind the bytes begin as, if it is one accepted.
    pub fn of(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(Self::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// A file that passed the checks: its kind, a name fit to show, its hash.
#[derive(Debug, Clone)]
pub struct Checked {
    pub file_name: String,
    pub kind: FileKind,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// 413 for a file over [`MAX_FILE_BYTES`] (the doors refuse it while it is still arriving).
pub fn file_too_large() -> AppError {
    AppError::TooLarge(FieldError::new("/file", "maxSize", "ファイルが大きすぎます。1ファイル10MBまでです"))
}

/// 422 when the form has no file.
pub fn no_file() -> AppError {
    AppError::invalid("/file", "required", "添付するファイルを選んでください")
}

/// Checks a file: not empty, not over the limit, a PDF, JPEG or PNG by its content (415
/// otherwise, whatever its name). Its name keeps only what is fit to show.
pub fn check(upload: Upload) -> Result<Checked, AppError> {
    if upload.bytes.is_empty() {
        return Err(AppError::invalid("/file", "minSize", "ファイルが空です"));
    }
    if upload.bytes.len() > MAX_FILE_BYTES {
        return Err(file_too_large());
    }
    let kind = FileKind::of(&upload.bytes).ok_or_else(|| {
        AppError::UnsupportedType(FieldError::new(
            "/file",
            "contentType",
            "添付できるのは PDF・JPEG・PNG のファイルだけです（ファイルの中身で判断します）",
        ))
    })?;
    let sha256 = Sha256::digest(&upload.bytes).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Checked { file_name: file_name(&upload.file_name, kind), kind, sha256, bytes: upload.bytes })
}

/// The last part of a path as a browser may send it, without control characters, at most 200
/// characters; a name by the kind when nothing is left.
fn file_name(given: &str, kind: FileKind) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.chars().filter(|c| !c.is_control()).take(200).collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        format!("添付ファイル.{}", kind.extension())
    } else {
        name.to_owned()
    }
}

/// Stores a checked file for `owner` (whose right to it the caller has checked), unless the
/// owner's files would then take more than [`MAX_DOCUMENT_BYTES`] (413).
pub fn store_for(
    conn: &mut DbConnection,
    principal: &Principal,
    owner: Owner,
    file: Checked,
) -> Result<Attachment, AppError> {
    crate::db::write(conn, |conn| {
        if let Owner::Document(id) = owner {
            store::attachments::lock_document(conn, id)?;
        }
        let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        if store::attachments::total_size(conn, owner)? + size > MAX_DOCUMENT_BYTES {
            return Err(too_much_for_one_document());
        }
        let id = crate::db::new_id();
        let now = crate::calendar::now();
        store::attachments::insert(conn, id, owner, &file, principal.user_id, now)?;
        let Checked { file_name, kind, sha256, bytes } = file;
        Ok(Attachment {
            id,
            file_name,
            content_type: kind.mime().to_owned(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256,
            uploaded_at: crate::calendar::in_japan(now),
        })
    })
}

fn too_much_for_one_document() -> AppError {
    AppError::TooLarge(FieldError::new(
        "/file",
        "maxTotalSize",
        "この文書の添付ファイルは合計30MBまでです。これ以上は添付できません",
    ))
}

/// The sender facility attaches a file to a sent document (403 for the recipient, 404 for
/// everyone else).
pub fn attach(
    conn: &mut DbConnection,
    principal: &Principal,
    document: Uuid,
    upload: Upload,
) -> Result<Attachment, AppError> {
    let summary = visible(conn, principal, document)?;
    if summary.sender.id != principal.facility_id {
        return Err(AppError::Forbidden("ファイルを添付できるのは文書を送った事業所だけです".into()));
    }
    principal.require(&[super::exchange::sender_role(summary.kind)], "ファイルの添付")?;
    store_for(conn, principal, Owner::Document(document), check(upload)?)
}

/// The files of a document, for its sender and recipient facilities.
pub fn list(conn: &mut DbConnection, principal: &Principal, document: Uuid) -> Result<Vec<Attachment>, AppError> {
    visible(conn, principal, document)?;
    listed(conn, Owner::Document(document))
}

/// One file of a document with its bytes, for its sender and recipient facilities.
pub fn download(
    conn: &mut DbConnection,
    principal: &Principal,
    document: Uuid,
    id: Uuid,
) -> Result<(Attachment, Vec<u8>), AppError> {
    visible(conn, principal, document)?;
    file_of(conn, Owner::Document(document), id)
}

/// The files of `owner` (whose right to them the caller has checked), in the order attached.
pub fn listed(conn: &mut DbConnection, owner: Owner) -> Result<Vec<Attachment>, AppError> {
    Ok(store::attachments::list(conn, owner)?)
}

/// One file of `owner` (whose right to it the caller has checked) with its bytes; 404 when
/// `owner` has no such file.
pub fn file_of(conn: &mut DbConnection, owner: Owner, id: Uuid) -> Result<(Attachment, Vec<u8>), AppError> {
    store::attachments::file(conn, owner, id)?.ok_or(AppError::NotFound("attachment"))
}

/// A draft's files become the document's it was sent as (a new one, or the one it amends),
/// unless the document's files would then take more than [`MAX_DOCUMENT_BYTES`].
pub fn carry_over(conn: &mut DbConnection, draft: Uuid, document: Uuid) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        store::attachments::lock_document(conn, document)?;
        store::attachments::move_to_document(conn, draft, document)?;
        if store::attachments::total_size(conn, Owner::Document(document))? > MAX_DOCUMENT_BYTES {
            return Err(too_much_for_one_document());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::{FileKind, Upload, check};
    use crate::error::AppError;

    #[test]
    fn files_are_told_by_their_first_bytes_not_their_names() {
        assert_eq!(FileKind::of(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::of(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(FileKind::Jpeg));
        assert_eq!(FileKind::of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileKind::Png));
        assert_eq!(FileKind::of(b"MZ\x90\0\x03"), None, "a Windows program");
        assert_eq!(FileKind::of(b"%PD"), None);
        let program = Upload { file_name: "x.pdf".into(), bytes: b"MZ\x90\0\x03\0\0\0".to_vec() };
        assert!(matches!(check(program), Err(AppError::UnsupportedType(_))));
    }

    #[test]
    fn a_name_keeps_what_is_fit_to_show() {
        let named = |name: &str| {
            check(Upload { file_name: name.into(), bytes: b"%PDF-1.4".to_vec() }).map(|c| c.file_name).ok()
        };
        assert_eq!(named("C:\\Users\\ケア\\退院前カンファレンス.pdf").as_deref(), Some("退院前カンファレンス.pdf"));
        assert_eq!(named("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(named("a\u{0}b\r\n.pdf").as_deref(), Some("ab.pdf"));
        assert_eq!(named("").as_deref(), Some("添付ファイル.pdf"));
        let sha = check(Upload { file_name: "a.pdf".into(), bytes: b"%PDF-1.4".to_vec() }).map(|c| c.sha256);
        assert_eq!(sha.ok().map(|s| s.len()), Some(64));
    }
}
