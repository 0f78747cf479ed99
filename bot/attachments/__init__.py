"""Files shared with the bot: downloads, images, documents."""
