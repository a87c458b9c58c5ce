"""Running the platform safely: warehouse backups and the restore that reads them."""
