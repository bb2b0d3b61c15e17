// Placeholder replaced by the local-services harness (packages/local).
export default async function setup(): Promise<void> {}
