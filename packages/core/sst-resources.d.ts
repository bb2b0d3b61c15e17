/* Types of the SST resources core reads (SST generates the same shape in sst-env.d.ts on deploy). */
import "sst";

declare module "sst" {
  export interface Resource {
    Table: { name: string; type: "sst.aws.Dynamo" };
    SyncQueue: { url: string; type: "sst.aws.Queue" };
    SyncDeadLetterQueue: { url: string; type: "sst.aws.Queue" };
    AdminTokens: { value: string; type: "sst.sst.Secret" };
    EncryptionKeys: { value: string; type: "sst.sst.Secret" };
  }
}
