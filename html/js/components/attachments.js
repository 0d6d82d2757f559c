// Attachments of announcements, really uploaded: ask the API for an upload URL (a presigned S3 PUT in
// AWS, a local route in `ccm serve`), PUT the bytes there, then confirm so the object lists the file.

import { objectPath, request, uploadBytes } from '../api.js';
import { el } from '../dom.js';
import { formatSize } from './details.js';

export const MAX_BYTES = 50 * 1024 * 1024;
const TYPES = {
  pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', txt: 'text/plain', csv: 'text/csv',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};
export const ACCEPT = Object.keys(TYPES).map((e) => `.${e}`).join(',');

export function contentTypeOf(file) {
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return TYPES[ext] || file.type || 'application/octet-stream';
}

/** Why a file cannot be attached, or null. */
export function checkFile(file, existing = []) {
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  if (!TYPES[ext]) return `${file.name}: only PDF, PNG, JPEG, GIF, TXT, CSV, DOCX, XLSX and PPTX files can be attached.`;
  if (file.size > MAX_BYTES) return `${file.name} is ${formatSize(file.size)}; the limit is 50 MB.`;
  if (file.size === 0) return `${file.name} is empty.`;
  if (existing.includes(file.name)) return `${file.name} is already attached; remove it first to replace it.`;
  return null;
}

/** Uploads one file to announcement `id`; answers the updated announcement and its ETag. */
export async function uploadAttachment(id, file) {
  const base = `${objectPath(id)}/attachments`;
  const slot = (await request('POST', base, { body: { name: file.name, size: file.size, contentType: contentTypeOf(file) } })).data;
  await uploadBytes(slot.uploadUrl, slot.method || 'PUT', slot.headers || {}, file);
  const r = await request('POST', `${base}/${encodeURIComponent(file.name)}/confirm`, { body: {} });
  const object = r.data && r.data.object ? r.data.object : r.data;
  return { object, etag: r.etag || (r.data && r.data.etag) };
}

export async function removeAttachment(id, name) {
  const r = await request('DELETE', `${objectPath(id)}/attachments/${encodeURIComponent(name)}`);
  const object = r.data && (r.data.object || (r.data.announcement_id ? r.data : null));
  return { object, etag: r.etag || (r.data && r.data.etag) };
}

export const downloadUrl = (id, name) => `${objectPath(id)}/attachments/${encodeURIComponent(name)}`;

export function attachmentRow(id, a, onRemove) {
  const remove = onRemove && el('button', { type: 'button', class: 'danger-outline', 'aria-label': `Remove ${a.name}` }, 'Remove');
  if (remove) remove.addEventListener('click', () => onRemove(a, remove));
  return el('li', {}, el('a', { href: downloadUrl(id, a.name), download: a.name }, a.name),
    el('small', { class: 'muted' }, formatSize(a.size)), remove);
}
