/**
 * The testkit's implementation details: not part of its API, and free to change in any release.
 */
package dev.edgeflow.testkit.internal;
