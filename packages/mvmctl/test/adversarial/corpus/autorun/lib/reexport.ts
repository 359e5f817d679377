export * from "mvm-sdk";
