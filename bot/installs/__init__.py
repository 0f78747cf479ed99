"""Installs in many workspaces through Slack's OAuth: settings, the installation store on the
ledger's database, Bolt's install flow, and the installation each request speaks for."""
