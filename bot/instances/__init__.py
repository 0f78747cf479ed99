"""State several bot processes share through Redis (`REDIS_URL`): exactly-once claims, the
threads the bot takes part in, and each workspace's edit budget."""
