"""One module per Slack surface: each turns a payload into a Question and hands it on."""
