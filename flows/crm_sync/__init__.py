"""HubSpot two-way CRM sync, the inbound half and the import: connecting a portal
(`connection`), importing it (`import_portal`), applying inbound changes from webhooks and the
Webhooks Journal (`inbound`), and the dry-run diff (`dry_run`). Field ownership is
`skills.crm_field_map`; outbound writes live in the CRM port (another module)."""
