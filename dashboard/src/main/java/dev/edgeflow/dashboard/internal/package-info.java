/**
 * The dashboard's HTTP server, routes, event stream and alert list. Not API: may change in any
 * release.
 */
package dev.edgeflow.dashboard.internal;
