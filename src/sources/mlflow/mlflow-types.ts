/**
 * MLflow REST shapes, keyed by method and path. MLflow omits unset fields and empty arrays, so every
 * array and optional field is optional here.
 */
export namespace Mlflow {
  export interface KeyValue {
    key: string;
    value: string;
  }
  export interface Experiment {
    experiment_id: string;
    name: string;
    artifact_location?: string;
    lifecycle_stage?: 'active' | 'deleted';
    creation_time?: number;
    last_update_time?: number;
    tags?: KeyValue[];
  }
  export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  export interface Metric {
    key: string;
    value: number | string;
    timestamp: number;
    step?: number;
    run_id?: string;
  }
  export interface RunInfo {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    user_id?: string;
    status?: RunStatus;
    start_time?: number;
    end_time?: number;
    artifact_uri?: string;
    lifecycle_stage?: string;
  }
  export interface Run {
    info: RunInfo;
    data?: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  }
  export interface FileInfo {
    path: string;
    is_dir?: boolean;
    file_size?: number;
  }
  export interface RegisteredModel {
    name: string;
    creation_timestamp?: number;
    last_updated_timestamp?: number;
    description?: string;
    tags?: KeyValue[];
    aliases?: Array<{ alias: string; version: string }>;
  }
  export interface ModelVersion {
    name: string;
    version: string;
    creation_timestamp?: number;
    last_updated_timestamp?: number;
    user_id?: string;
    description?: string;
    source?: string;
    run_id?: string;
    status?: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
    tags?: KeyValue[];
    aliases?: string[];
  }
  export interface ErrorBody {
    error_code?: string;
    message?: string;
  }

  export namespace Response {
    export interface ExperimentsSearch {
      experiments?: Experiment[];
      next_page_token?: string;
    }
    export interface ExperimentsGet {
      experiment: Experiment;
    }
    export interface RunsSearch {
      runs?: Run[];
      next_page_token?: string;
    }
    export interface RunsGet {
      run: Run;
    }
    export interface MetricsGetHistory {
      metrics?: Metric[];
      next_page_token?: string;
    }
    export interface MetricsBulkInterval {
      metrics?: Metric[];
    }
    export interface ArtifactsList {
      root_uri?: string;
      files?: FileInfo[];
      next_page_token?: string;
    }
    export interface RegisteredModelsSearch {
      registered_models?: RegisteredModel[];
      next_page_token?: string;
    }
    export interface RegisteredModelsGet {
      registered_model: RegisteredModel;
    }
    export interface ModelVersionsSearch {
      model_versions?: ModelVersion[];
      next_page_token?: string;
    }
    export interface ModelVersionsGet {
      model_version: ModelVersion;
    }
  }
}
