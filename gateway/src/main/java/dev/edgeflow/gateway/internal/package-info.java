/**
 * The gateway's implementation: reading and checking gateway files, and running their routes.
 * Not API: it may change in any release.
 */
package dev.edgeflow.gateway.internal;
