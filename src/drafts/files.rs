//! Files attached while a draft is written (`documents::attachments` checks and keeps them):
//! seen only by the facility writing the draft, moved to the document when the draft is sent
//! (`send_saved`), and gone with the draft when it is thrown away (the table's foreign key
//! deletes them with it).

use uuid::Uuid;

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::documents::attachments::{self, Attachment, Owner, Upload};
use crate::documents::exchange::sender_role;
use crate::error::AppError;

/// The writer's facility attaches a file to its draft (the kind's sender role only).
pub fn attach(
    conn: &mut DbConnection,
    principal: &Principal,
    draft: Uuid,
    upload: Upload,
) -> Result<Attachment, AppError> {
    let found = super::get(conn, principal, draft)?;
    principal.require(&[sender_role(found.kind)], "ファイルの添付")?;
    attachments::store_for(conn, principal, Owner::Draft(draft), attachments::check(upload)?)
}

/// The files of a draft of the acting facility.
pub fn list(conn: &mut DbConnection, principal: &Principal, draft: Uuid) -> Result<Vec<Attachment>, AppError> {
    super::get(conn, principal, draft)?;
    attachments::listed(conn, Owner::Draft(draft))
}

/// One file of a draft of the acting facility, with its bytes.
pub fn download(
    conn: &mut DbConnection,
    principal: &Principal,
    draft: Uuid,
    id: Uuid,
) -> Result<(Attachment, Vec<u8>), AppError> {
    super::get(conn, principal, draft)?;
    attachments::file_of(conn, Owner::Draft(draft), id)
}
