/**
 * What a task's attachment may be: its types, the name endings of each, its size. Shared by the API
 * (which validates) and the page (which offers only these files and names their type): plain data,
 * no server code, so the page's bundle may import it.
 *
 * Images, PDFs and plain text only: files a browser shows safely and that a task list needs. No SVG
 * or HTML (they can carry script), no archives or executables. Files are served as downloads
 * (`Content-Disposition: attachment`), never shown from the bucket's origin.
 */
export const ATTACHMENT_TYPES = {
  'image/png': ['.png'],
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'application/pdf': ['.pdf'],
  'text/plain': ['.txt'],
  'text/csv': ['.csv'],
  'text/markdown': ['.md'],
} as const satisfies Record<string, readonly string[]>;

export type AttachmentType = keyof typeof ATTACHMENT_TYPES;

/** The largest attachment: 10 MB (decimal, as file managers count it). */
export const MAX_ATTACHMENT_BYTES = 10_000_000;

/** The longest file name kept (characters); the key adds the owner, the task and the upload. */
export const MAX_ATTACHMENT_NAME = 200;

/** What the page and the API say when a file is not one of these. */
export const ALLOWED_FILES = 'an image (PNG, JPEG, GIF, WebP), a PDF or a text file (TXT, CSV, Markdown)';

const types = Object.entries(ATTACHMENT_TYPES) as [AttachmentType, readonly string[]][];

/**
 * The type a file's name stands for, by its ending (`Report.PDF` → `application/pdf`), or undefined.
 * The page sends this rather than the browser's `file.type`, which depends on the operating system
 * (a `.csv` is `application/vnd.ms-excel` where Excel is installed); the API checks the two agree.
 */
export function typeOfName(name: string): AttachmentType | undefined {
  const lower = name.toLowerCase();
  return types.find(([, endings]) =>
    endings.some((ending) => lower.endsWith(ending) && lower.length > ending.length),
  )?.[0];
}

/** Every accepted ending, for a file picker's `accept`: `.png,.jpg,…`. */
export const ACCEPTED_ENDINGS = types.flatMap(([, endings]) => endings).join(',');
