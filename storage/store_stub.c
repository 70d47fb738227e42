/* placeholder until the storage engine lands */
int rm_store_placeholder(void);
int rm_store_placeholder(void) { return 0; }
