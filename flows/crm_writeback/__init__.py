"""Outbound CRM writes after the rep approves: the CRM port (Sixty's tables, or Sixty's tables
then HubSpot), and the proposals for HubSpot values a person changed recently."""
