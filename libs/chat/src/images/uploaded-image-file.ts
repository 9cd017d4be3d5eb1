/** What the upload reads of the file multer keeps in memory (typed here: the module does not need @types/multer). */
export interface UploadedImageFile {
  /** The name the client gave, decoded as UTF-8. */
  originalname: string;
  buffer: Buffer;
  size: number;
}
