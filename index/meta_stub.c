/* placeholder until the LMDB index lands */
int rm_meta_placeholder(void);
int rm_meta_placeholder(void) { return 0; }
