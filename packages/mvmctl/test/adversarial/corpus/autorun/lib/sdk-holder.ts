import * as sdk from "mvm-sdk";

export { sdk };
