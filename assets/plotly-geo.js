// The ward map (a choropleth of the council's own ward boundaries, drawn when SEND_WARD_GEOJSON is set)
// hides plotly's base map of the world (geo visible: false), so it needs no world outline. Given none,
// plotly.js fetches one from cdn.plot.ly: a request to another site, which the Content-Security-Policy
// refuses (connect-src 'self') and which then stops the map drawing. An empty outline stands in for it.
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
window.PlotlyGeoAssets.topojson.world_110m = {type: "Topology", objects: {}, arcs: []};
