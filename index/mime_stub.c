/* placeholder until the MIME parser lands; keeps the library non-empty */
int rm_mime_placeholder(void);
int rm_mime_placeholder(void) { return 0; }
