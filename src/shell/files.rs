//! Files in and out of both doors: a `multipart/form-data` upload read as it arrives and
//! refused (413) as soon as its file passes the limit, never held whole first; and a stored
//! file answered as a download with its name, for browsers in any language.

use std::future::Future;
use std::pin::Pin;

use actix_multipart::Multipart;
use actix_web::http::header::{self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::documents::attachments::{Attachment, MAX_FILE_BYTES, Upload, file_too_large};
use crate::error::AppError;

/// What the form's other fields may hold: a few short texts (a page's CSRF token).
const MAX_FIELDS: usize = 16;
const MAX_FIELD_BYTES: usize = 4096;
/// How much of a refused upload is read (and dropped) so that the client, still sending, reads
/// the 413; past this the connection is closed.
const MAX_DRAINED_BYTES: usize = 4 * MAX_FILE_BYTES;

/// A `multipart/form-data` request: its file (the part named `file`), and its other short fields.
pub struct Uploaded {
    pub file: Option<Upload>,
    pub fields: Vec<(String, String)>,
}

impl FromRequest for Uploaded {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let multipart = Multipart::new(req.headers(), payload.take());
        Box::pin(read(multipart))
    }
}

fn unreadable(error: actix_multipart::MultipartError) -> AppError {
    AppError::BadRequest(format!("multipart/form-data の送信内容を読み取れません: {error}"))
}

async fn read(mut multipart: Multipart) -> Result<Uploaded, AppError> {
    let (mut file, mut fields, mut too_large, mut drained) = (None, Vec::new(), false, 0);
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(unreadable)?;
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part.content_disposition().and_then(|d| {
            d.get_filename_ext()
                .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                .or_else(|| d.get_filename().map(str::to_owned))
        });
        let (limit, keep) = match (&file_name, name.as_str()) {
            (Some(_), "file") if file.is_none() && !too_large => (MAX_FILE_BYTES, true),
            (None, _) if fields.len() < MAX_FIELDS => (MAX_FIELD_BYTES, true),
            _ => (0, false),
        };
        let mut bytes = Vec::new();
        let mut over = !keep;
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(unreadable)?;
            if !over && bytes.len() + chunk.len() > limit {
                over = true;
                bytes = Vec::new();
            }
            if over {
                drained += chunk.len();
                if drained > MAX_DRAINED_BYTES {
                    return Err(file_too_large());
                }
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        match file_name {
            // A page's file field left empty.
            Some(file_name) if file_name.is_empty() && bytes.is_empty() && !over => {}
            Some(file_name) if keep && name == "file" => {
                if over {
                    too_large = true;
                } else {
                    file = Some(Upload { file_name, bytes });
                }
            }
            None if keep && !over => fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
            _ => {}
        }
    }
    if too_large {
        return Err(file_too_large());
    }
    Ok(Uploaded { file, fields })
}

/// Reads a stored file with `read` (a use case, which decides who may) off the async workers,
/// and answers it as a download.
pub async fn download_with<F>(
    state: &actix_web::web::Data<super::AppState>,
    principal: crate::auth::Principal,
    read: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut crate::db::DbConnection, &crate::auth::Principal) -> Result<(Attachment, Vec<u8>), AppError>
        + Send
        + 'static,
{
    let (facts, bytes) = super::blocking(state, move |conn, _| read(conn, &principal)).await?;
    Ok(download(&facts, bytes))
}

/// A stored file as a download: its own type, never sniffed by the browser, its name (in
/// UTF-8 for browsers that read RFC 5987, in ASCII for the others), not kept in caches.
fn download(attachment: &Attachment, bytes: Vec<u8>) -> HttpResponse {
    let ascii: String =
        attachment.file_name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: attachment.file_name.as_bytes().to_vec(),
            }),
        ],
    };
    HttpResponse::Ok()
        .content_type(attachment.content_type.as_str())
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}
