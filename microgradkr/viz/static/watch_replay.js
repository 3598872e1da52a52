
// The replay page: its record is the JSON in #mgk-watch-data (json.dumps, <>& escaped).
mgkWatchReplay(
  document.getElementById("mgk-watch-replay"),
  JSON.parse(document.getElementById("mgk-watch-data").textContent),
);
